import type { OptionsReporter } from '../source-kind.js';
import { EVENT_KINDS, OUTCOMES, SEVERITIES } from '../../canonical-event.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { closest } from '../../normalizers/unknown-key.js';
import { CONVERSION_NAMES, conversionsFor, convert } from './conversions.js';
import type { Conversion } from './conversions.js';
import { parseSourcePath } from './source-path.js';
import type { SourcePath } from './source-path.js';
import { parseTarget, targetName } from './targets.js';
import type { Target } from './targets.js';

/**
 * Compiling a `fields:` mapping: every target, path, constant and conversion is checked when
 * the connector file loads, each problem reported at its place with the fix.
 */

export type OptionsPath = readonly (string | number)[];
const FIELD_KEYS = ['path', 'const', 'as', 'required'];

/** One `fields:` entry: where the canonical field's value comes from and how it is read. */
export interface FieldRule {
  readonly target: Target;
  /** A constant (already converted), or paths tried in order (the first present wins). */
  readonly source: { readonly const: string | number } | { readonly paths: readonly SourcePath[] };
  readonly as: Conversion | undefined;
  readonly required: boolean;
}

export function compileFields(
  value: unknown,
  report: OptionsReporter,
  at: OptionsPath,
): readonly FieldRule[] | undefined {
  if (!isJsonObject(value)) {
    report(at, `must be a mapping of canonical field → source path; got ${got(value)}.`);
    return undefined;
  }
  const rules: FieldRule[] = [];
  let ok = true;
  for (const [name, spec] of Object.entries(value)) {
    const rule = compileRule(name, spec, report, [...at, name]);
    if (rule === undefined) ok = false;
    else rules.push(rule);
  }
  if (!Object.hasOwn(value, 'kind')) {
    report(
      [...at, 'kind'],
      `is required: the event kind, as a constant ({const: drift}) or a path; kinds are ${EVENT_KINDS.join(', ')}.`,
    );
    ok = false;
  }
  return ok ? rules : undefined;
}

function compileRule(
  name: string,
  spec: unknown,
  report: OptionsReporter,
  at: OptionsPath,
): FieldRule | undefined {
  const target = parseTarget(name);
  if ('reason' in target) {
    report(at, target.reason);
    return undefined;
  }
  // Shorthand: `entity.user: data.user.email` is a path with no conversion.
  const object: Record<string, unknown> | undefined =
    typeof spec === 'string' ? { path: spec } : isJsonObject(spec) ? spec : undefined;
  if (object === undefined) {
    report(
      at,
      `must be a source path ("data.user.email") or {path: …, as: …} or {const: …}; got ${got(spec)}.`,
    );
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(object)) {
    if (FIELD_KEYS.includes(key)) continue;
    const hint =
      key === 'map'
        ? ' Put the table under as: {map: {…}}.'
        : (() => {
            const near = closest(key, FIELD_KEYS);
            return near !== undefined ? ` Did you mean "${near}"?` : '';
          })();
    report([...at, key], `is not a field option (path, const, as, required).${hint}`);
    ok = false;
  }
  const as = compileConversion(getOwn(object, 'as'), target, report, [...at, 'as']);
  if (as === null) ok = false;
  const required = getOwn(object, 'required') ?? name === 'kind';
  if (typeof required !== 'boolean') {
    report([...at, 'required'], `must be true or false; got ${got(required)}.`);
    ok = false;
  }
  const source = compileSource(object, target, as ?? undefined, report, at);
  if (source === undefined || !ok || as === null || typeof required !== 'boolean') return undefined;
  return { target, source, as, required };
}

function compileSource(
  object: Record<string, unknown>,
  target: Target,
  as: Conversion | undefined,
  report: OptionsReporter,
  at: OptionsPath,
): FieldRule['source'] | undefined {
  const hasConst = Object.hasOwn(object, 'const');
  const path = getOwn(object, 'path');
  if (hasConst === (path !== undefined)) {
    report(
      at,
      hasConst
        ? 'give either path: or const:, not both.'
        : 'needs path: (where the value is) or const: (a fixed value).',
    );
    return undefined;
  }
  if (hasConst) {
    const constant = getOwn(object, 'const');
    if (constant === null || constant === undefined) {
      report(
        [...at, 'const'],
        `must be a value for ${targetName(target)}; got ${got(constant)}. Leave the field out instead.`,
      );
      return undefined;
    }
    const converted = convert(constant, target, as);
    if (!converted.ok || converted.value === undefined) {
      report([...at, 'const'], converted.ok ? 'must not be blank.' : converted.reason);
      return undefined;
    }
    return { const: converted.value };
  }
  const texts: unknown[] = Array.isArray(path) ? path : [path];
  if (texts.length === 0) {
    report([...at, 'path'], 'must name at least one path.');
    return undefined;
  }
  const paths: SourcePath[] = [];
  texts.forEach((text, index) => {
    const where = Array.isArray(path) ? [...at, 'path', index] : [...at, 'path'];
    if (typeof text !== 'string') {
      report(where, `must be a path string such as "data.user.email"; got ${got(text)}.`);
      return;
    }
    const parsed = parseSourcePath(text);
    if (parsed.ok) paths.push(parsed.path);
    else report(where, parsed.reason);
  });
  return paths.length === texts.length ? { paths } : undefined;
}

/** undefined = no conversion; null = a bad one (reported). */
function compileConversion(
  value: unknown,
  target: Target,
  report: OptionsReporter,
  at: OptionsPath,
): Conversion | undefined | null {
  if (value === undefined) return undefined;
  const allowed = conversionsFor(target);
  let conversion: Conversion | null = null;
  if (typeof value === 'string' && isOneOf(value, CONVERSION_NAMES)) {
    conversion = { type: value };
  } else if (isJsonObject(value) && Object.keys(value).length === 1 && isJsonObject(value.map)) {
    conversion = compileTable(value.map, target, report, [...at, 'map']);
    if (conversion === null) return null;
  } else {
    const near = typeof value === 'string' ? closest(value, CONVERSION_NAMES) : undefined;
    report(
      at,
      `must be one of ${CONVERSION_NAMES.join(', ')} or {map: {from: to}}; got ${got(value)}.${near !== undefined ? ` Did you mean "${near}"?` : ''}`,
    );
    return null;
  }
  if (!allowed.includes(conversion.type)) {
    report(
      at,
      `${conversion.type} does not fit ${targetName(target)}; use ${allowed.map((a) => (a === 'map' ? '{map: …}' : a)).join(', ')}.`,
    );
    return null;
  }
  return conversion;
}

function compileTable(
  table: Record<string, unknown>,
  target: Target,
  report: OptionsReporter,
  at: OptionsPath,
): Conversion | null {
  const entries = new Map<string, string>();
  const choices =
    target.kind === 'top' && target.field === 'severity'
      ? SEVERITIES
      : target.kind === 'top' && target.field === 'outcome'
        ? OUTCOMES
        : target.kind === 'top' && target.field === 'kind'
          ? EVENT_KINDS
          : undefined;
  let ok = true;
  for (const [from, to] of Object.entries(table)) {
    if (typeof to !== 'string' && typeof to !== 'number') {
      report([...at, from], `must be the value to use for "${from}"; got ${got(to)}.`);
      ok = false;
    } else if (choices !== undefined && !isOneOf(String(to), choices)) {
      report([...at, from], `must be one of ${choices.join(', ')}; got ${got(to)}.`);
      ok = false;
    } else entries.set(from, String(to));
  }
  if (entries.size === 0 && ok) {
    report(at, 'must list at least one word: {"their word": "ours"}.');
    return null;
  }
  return ok ? { type: 'map', table: entries } : null;
}
