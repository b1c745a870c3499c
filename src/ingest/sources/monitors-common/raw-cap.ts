/** Longest array kept in `raw`: distributions and tensors can hold thousands of points. */
export const RAW_ARRAY_LIMIT = 20;
/** Longest string kept in `raw`. */
export const RAW_STRING_LIMIT = 2000;

/**
 * A copy of a sender's item for `raw`, with long arrays cut to their first RAW_ARRAY_LIMIT
 * entries plus a note of how many were dropped, and long strings cut: the event log keeps
 * every raw item, and one histogram must not dwarf the event it belongs to.
 */
export function capRaw(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value.length > RAW_STRING_LIMIT
      ? `${value.slice(0, RAW_STRING_LIMIT)}… (${value.length - RAW_STRING_LIMIT} more characters)`
      : value;
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) {
    const kept = value.slice(0, RAW_ARRAY_LIMIT).map((item) => capRaw(item, depth + 1));
    if (value.length > RAW_ARRAY_LIMIT)
      kept.push(`… ${value.length - RAW_ARRAY_LIMIT} more items not kept`);
    return kept;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: capRaw(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
