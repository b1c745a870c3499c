import type jsonata from 'jsonata';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { closest } from '../../normalizers/unknown-key.js';
import type { OptionsReporter, OptionsSpec } from '../source-kind.js';
import { compileFields } from './field-rules.js';
import type { FieldRule, OptionsPath } from './field-rules.js';
import { compileBounded } from './jsonata-eval.js';
import { parseSourcePath } from './source-path.js';
import type { SourcePath } from './source-path.js';

export type { FieldRule } from './field-rules.js';

export type Mapping =
  | { readonly mode: 'fields'; readonly rules: readonly FieldRule[] }
  | { readonly mode: 'jsonata'; readonly expression: jsonata.Expression };

export interface JsonMapOptions {
  /** Path to the array whose elements are the events; absent = the body (or each array/NDJSON element). */
  readonly items: SourcePath | undefined;
  readonly mapping: Mapping;
}

/**
 * Compiles `fields:` or `jsonata:` (exactly one). Every path, target and conversion is checked
 * here, so a connector file that loads maps every delivery the same way.
 */
export function compileMapping(
  value: Record<string, unknown>,
  report: OptionsReporter,
  base: OptionsPath = [],
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
  const rules = compileFields(fields, report, [...base, 'fields']);
  return rules === undefined ? undefined : { mode: 'fields', rules };
}

function compileJsonata(
  value: unknown,
  report: OptionsReporter,
  at: OptionsPath,
): Mapping | undefined {
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
