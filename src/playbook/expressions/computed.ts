import { evaluateExpression } from './cel.js';

/**
 * Computed values: a string that is exactly `${{ <CEL> }}` is replaced by what the expression
 * yields, keeping its type (a number stays a number, a list a list), as a value that is
 * exactly one `{{ path }}` template keeps the type it reads. The `$` marks the difference
 * from a template: `{{ }}` only ever reads a path, `${{ }}` is evaluated (CEL: no statements,
 * no I/O, never `eval`). Only whole values are computed; to build text, concatenate in CEL
 * (`${{ "key " + incident.group.api_key }}`).
 */
const COMPUTED = /^\s*\$\{\{([\s\S]*)\}\}\s*$/;

/** The CEL source of a computed value, or undefined when `value` is not one. */
export function computedSource(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = COMPUTED.exec(value);
  return m ? (m[1] as string).trim() : undefined;
}

/** Whether a string looks meant as a computed value but is not one whole `${{ … }}`. */
export function strayComputed(value: string): boolean {
  return value.includes('${{') && computedSource(value) === undefined;
}

/** Every computed value inside a (possibly nested) YAML value, with its YAML path. */
export function collectComputed(
  value: unknown,
  at: readonly (string | number)[] = [],
): { at: (string | number)[]; source: string }[] {
  const source = computedSource(value);
  if (source !== undefined) return [{ at: [...at], source }];
  if (Array.isArray(value)) return value.flatMap((v, i) => collectComputed(v, [...at, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => collectComputed(v, [...at, k]));
  return [];
}

export type ComputeResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Evaluates a computed value's CEL source over the run's scope; the result as plain JSON. */
export function computeValue(
  source: string,
  scope: Readonly<Record<string, unknown>>,
): ComputeResult {
  const result = evaluateExpression(source, {
    incident: scope.incident ?? {},
    steps: scope.steps ?? {},
    run: scope.run ?? {},
  });
  if (!result.ok)
    return { ok: false, reason: `\${{ ${source} }} could not be computed: ${result.reason}` };
  const json = toJson(result.value);
  if (!json.ok) return { ok: false, reason: `\${{ ${source} }} yields ${json.reason}` };
  if (json.value === null)
    return { ok: false, reason: `\${{ ${source} }} yields null, which is no input value` };
  return json;
}

/**
 * CEL values as JSON: ints (bigint) become numbers, timestamps ISO-8601 text, durations a
 * duration string ("90s", "1500ms"), maps and lists recursively. Bytes have no JSON form.
 */
function toJson(value: unknown): ComputeResult {
  if (value === null || typeof value === 'string' || typeof value === 'boolean')
    return { ok: true, value };
  if (typeof value === 'number')
    return Number.isFinite(value)
      ? { ok: true, value }
      : { ok: false, reason: `${value}, which is not a finite number` };
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n)
      ? { ok: true, value: n }
      : { ok: false, reason: `${value}, which is beyond the range of a JSON number` };
  }
  if (value instanceof Date) return { ok: true, value: value.toISOString() };
  if (value instanceof Uint8Array) return { ok: false, reason: 'bytes, which have no JSON form' };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = toJson(item);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (value instanceof Map) return toJson(Object.fromEntries(value));
  if (typeof value === 'object') {
    const d = value as { seconds?: unknown; nanos?: unknown };
    if (value.constructor?.name === 'Duration' && d.seconds !== undefined) {
      const ms = Number(d.seconds) * 1000 + Math.trunc(Number(d.nanos ?? 0) / 1e6);
      return { ok: true, value: ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms` };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = toJson(v);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: false, reason: `a ${typeof value}, which has no JSON form` };
}
