import type jsonata from 'jsonata';
import { EVENT_KINDS, OUTCOMES, SEVERITIES } from '../../canonical-event.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { closest } from '../../normalizers/unknown-key.js';
import type { OptionsReporter, OptionsSpec } from '../source-kind.js';
import { CONVERSION_NAMES, conversionsFor, convert } from './conversions.js';
import { compileBounded } from './jsonata-eval.js';
import type { Conversion } from './conversions.js';
import { parseSourcePath } from './source-path.js';
import type { SourcePath } from './source-path.js';
import { parseTarget, targetName } from './targets.js';
import type { Target } from './targets.js';

/** One `fields:` entry: where the canonical field's value comes from and how it is read. */
export interface FieldRule {
  readonly target: Target;
  /** A constant (already converted), or paths tried in order (the first present wins). */
  readonly source: { readonly const: string | number } | { readonly paths: readonly SourcePath[] };
  readonly as: Conversion | undefined;
  readonly required: boolean;
}

export type Mapping =
  | { readonly mode: 'fields'; readonly rules: readonly FieldRule[] }
  | { readonly mode: 'jsonata'; readonly expression: jsonata.Expression };

export interface JsonMapOptions {
  /** Path to the array whose elements are the events; absent = the body (or each array/NDJSON element). */
  readonly items: SourcePath | undefined;
  readonly mapping: Mapping;
}

type Path = readonly (string | number)[];
const FIELD_KEYS = ['path', 'const', 'as', 'required'];

/**
 * Compiles `fields:` or `jsonata:` (exactly one). Every path, target and conversion is checked
 * here, so a connector file that loads maps every delivery the same way.
 */
export function compileMapping(
  value: Record<string, unknown>,
  report: OptionsReporter,
  base: Path = [],
): Mapping | undefined {
  const fields = getOwn(value, 'fields');
  const expression = getOwn(value, 'jsonata');
  if (fields !== undefined && expression !== undefined) {
    report([...base, 'jsonata'], 'give either fields: or jsonata:, not both; remove one.');
    return undefined;
  }
  if (expression !== undefined) return compileJsonata(expression, report, [...base, 'jsonata']);
  if (fields === undefined) {
    report(
      base,
      'needs fields: (canonical field → source path) or jsonata: (an expression returning canonical events).',
    );
    return undefined;
  }
  return compileFields(fields, report, [...base, 'fields']);
}

function compileJsonata(value: unknown, report: OptionsReporter, at: Path): Mapping | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    report(at, `must be a JSONata expression (a string); got ${got(value)}.`);
    return undefined;
  }
  try {
    return { mode: 'jsonata', expression: compileBounded(value) };
  } catch (error) {
    report(at, describeJsonataSyntaxError(value, error));
    return undefined;
  }
}

/** jsonata throws `{code, position, token, message}`; position is a character offset. */
export function describeJsonataSyntaxError(source: string, error: unknown): string {
  const e = isJsonObject(error) || error instanceof Error ? (error as Record<string, unknown>) : {};
  const message = typeof e.message === 'string' ? e.message : String(error);
  const position = typeof e.position === 'number' ? e.position : undefined;
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  if (position === undefined) return `is not a valid JSONata expression: ${message}${code}.`;
  const before = source.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const near = source.slice(Math.max(0, position - 15), position + 15).replace(/\s+/g, ' ');
  return `is not a valid JSONata expression: ${message}${code} at line ${line}, column ${column} (near ${JSON.stringify(near)}). Fix the expression; try it at try.jsonata.org.`;
}

function compileFields(value: unknown, report: OptionsReporter, at: Path): Mapping | undefined {
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
  return ok ? { mode: 'fields', rules } : undefined;
}

function compileRule(
  name: string,
  spec: unknown,
  report: OptionsReporter,
  at: Path,
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
  at: Path,
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
  at: Path,
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
  at: Path,
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

/** The `json-map` kind's options: a mapping plus `items:`. */
export const jsonMapOptionsSpec: OptionsSpec<JsonMapOptions> = {
  keys: ['items', 'fields', 'jsonata'],
  compile(value, report) {
    if (value === undefined || value === null) {
      report(
        [],
        'json-map needs options: fields: (canonical field → source path) or jsonata: (an expression). See the json-map docs for an example.',
      );
      return undefined;
    }
    if (!isJsonObject(value)) {
      report([], `must be a mapping with items:, fields: or jsonata:; got ${got(value)}.`);
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value)) {
      if (jsonMapOptionsSpec.keys.includes(key)) continue;
      const near = closest(key, jsonMapOptionsSpec.keys);
      report(
        [key],
        `is not an option of json-map (items, fields, jsonata).${near !== undefined ? ` Did you mean "${near}"?` : ''}`,
      );
      ok = false;
    }
    let items: SourcePath | undefined;
    const itemsValue = getOwn(value, 'items');
    if (itemsValue !== undefined) {
      const parsed = typeof itemsValue === 'string' ? parseSourcePath(itemsValue) : undefined;
      if (parsed === undefined) {
        report(
          ['items'],
          `must be a path to the array of events, such as "alerts"; got ${got(itemsValue)}.`,
        );
        ok = false;
      } else if (!parsed.ok) {
        report(['items'], parsed.reason);
        ok = false;
      } else if (parsed.path.root === 'body') {
        report(['items'], 'is always read from the top of the body; drop the "$." prefix.');
        ok = false;
      } else items = parsed.path;
    }
    const mapping = compileMapping(value, report);
    return ok && mapping !== undefined ? { items, mapping } : undefined;
  },
};
