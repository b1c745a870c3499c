import { computeValue, computedSource } from './expressions/computed.js';

/**
 * `{{ path }}` templates in playbook inputs and messages. Deliberately tiny: a template is a
 * dotted path into the run's scope (`incident.group.api_key`, `steps.throttle.result.expiresAt`),
 * never an expression. A value that is exactly one template keeps the referenced value's
 * type; otherwise the parts are joined as text. A value that is exactly `${{ <CEL> }}` is a
 * computed value instead (expressions/computed.ts), rendered here in the same pass so every
 * caller (the runner, the approval's binding hash, plan, tests) renders both the same way.
 */
export type PathSegment = string | number;

export interface TemplateRef {
  readonly source: string;
  readonly path: readonly PathSegment[];
}

export type TemplatePart = string | TemplateRef;

export type ParseResult = { ok: true; parts: TemplatePart[] } | { ok: false; reason: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;

export function parseTemplate(text: string): ParseResult {
  const parts: TemplatePart[] = [];
  let rest = text;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    const strayClose = rest.indexOf('}}');
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      return { ok: false, reason: `"}}" without a matching "{{" in "${text}"` };
    }
    if (open === -1) {
      parts.push(rest);
      break;
    }
    if (open > 0) parts.push(rest.slice(0, open));
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) return { ok: false, reason: `"{{" is never closed in "${text}"; add "}}"` };
    const inner = rest.slice(open + 2, close).trim();
    const path = parsePath(inner);
    if (!path) {
      return {
        ok: false,
        reason: `"{{ ${inner} }}" is not a path; templates take a dotted path such as {{ incident.group.api_key }} (no expressions)`,
      };
    }
    parts.push({ source: inner, path });
    rest = rest.slice(close + 2);
  }
  return { ok: true, parts };
}

function parsePath(text: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  let rest = text;
  const first = IDENT.exec(rest);
  if (!first) return undefined;
  out.push(first[0]);
  rest = rest.slice(first[0].length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const m = IDENT.exec(rest.slice(1));
      if (!m) return undefined;
      out.push(m[0]);
      rest = rest.slice(1 + m[0].length);
    } else {
      const m = /^\[(\d+)\]/.exec(rest);
      if (!m) return undefined;
      out.push(Number(m[1]));
      rest = rest.slice(m[0].length);
    }
  }
  return out;
}

/** Every template inside a (possibly nested) YAML value, with the YAML path of its string. */
export function collectTemplates(
  value: unknown,
  at: readonly (string | number)[] = [],
): { at: (string | number)[]; text: string }[] {
  if (typeof value === 'string')
    return computedSource(value) === undefined && (value.includes('{{') || value.includes('}}'))
      ? [{ at: [...at], text: value }]
      : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => collectTemplates(v, [...at, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => collectTemplates(v, [...at, k]));
  }
  return [];
}

export type RenderResult<T = unknown> = { ok: true; value: T } | { ok: false; reason: string };

/** Renders templates inside `value` (recursively) against `scope`. Missing paths are errors. */
export function renderValue(
  value: unknown,
  scope: Readonly<Record<string, unknown>>,
): RenderResult {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = renderValue(item, scope);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = renderValue(v, scope);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

function renderString(text: string, scope: Readonly<Record<string, unknown>>): RenderResult {
  const source = computedSource(text);
  if (source !== undefined) return computeValue(source, scope);
  const parsed = parseTemplate(text);
  if (!parsed.ok) return parsed;
  const values: unknown[] = [];
  for (const part of parsed.parts) {
    if (typeof part === 'string') {
      values.push(part);
      continue;
    }
    const found = lookup(scope, part.path);
    if (found === undefined || found === null) {
      return { ok: false, reason: `{{ ${part.source} }} has no value in this run` };
    }
    values.push(found);
  }
  if (values.length === 1 && typeof parsed.parts[0] !== 'string')
    return { ok: true, value: values[0] };
  return {
    ok: true,
    value: values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(''),
  };
}

function lookup(scope: unknown, path: readonly PathSegment[]): unknown {
  let node = scope;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
