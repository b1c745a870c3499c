/**
 * Reading canonical events from compiled rules: paths are compiled once into getters that read
 * own properties only (see `compileFieldGetter`).
 */
export {
  compileFieldGetter as compileGetter,
  type FieldGetter,
} from '../../../ingest/canonical-event.js';

/** The text form Sigma compares strings against; undefined for objects, arrays and null. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Every string in the event except under `raw`: what a Sigma keyword search looks through. */
export function stringLeaves(event: unknown): string[] {
  const out: string[] = [];
  if (event === null || typeof event !== 'object') return out;
  const stack: unknown[] = [];
  for (const [key, value] of Object.entries(event)) if (key !== 'raw') stack.push(value);
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) stack.push(...(node as unknown[]));
    else if (node !== null && typeof node === 'object')
      stack.push(...Object.values(node as Record<string, unknown>));
  }
  return out;
}
