/** A snapshot `metric_id` such as `ValueDrift(column=price,method=psi)`, split up. */
export interface MetricId {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

const SHAPE = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/s;
/** A parameter starts at the beginning or after a comma, with `name=`. */
const PARAM_START = /(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)=/g;

/**
 * `metric_id` is a display string (`Type(param=value,...)`), not a stable key: values are not
 * quoted, so a value may itself contain commas (`column=price, USD`). A comma only starts a new
 * parameter when `name=` follows it, which keeps such values whole. Returns a reason when the
 * string does not have the `Type(...)` shape at all.
 */
export function parseMetricId(text: string): MetricId | string {
  const shape = SHAPE.exec(text.trim());
  if (!shape) {
    const open = text.indexOf('(');
    const detail =
      open < 0
        ? 'there is no "(" after the metric type'
        : text.trimEnd().endsWith(')')
          ? 'the metric type before "(" is not a name'
          : 'the closing ")" is missing (the string looks cut off)';
    return `is not a metric id of the form Type(param=value,...): ${detail}`;
  }
  const [, type = '', inside = ''] = shape;
  const params: Record<string, string> = {};
  if (inside.trim() === '') return { type, params };
  const starts = [...inside.matchAll(PARAM_START)];
  if (starts.length === 0 || (starts[0]?.index ?? 0) !== 0)
    return `has parameters that are not name=value pairs: ${JSON.stringify(inside.slice(0, 60))}`;
  starts.forEach((match, n) => {
    const valueStart = (match.index ?? 0) + match[0].length;
    const next = starts[n + 1];
    const valueEnd = next === undefined ? inside.length : (next.index ?? inside.length);
    Object.defineProperty(params, match[1] ?? '', {
      value: inside.slice(valueStart, valueEnd).trim(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return { type, params };
}
