import { suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { RuleContext } from '../context.js';
import type { CompareOp } from './ir.js';
import type { RegexFlag } from './regex.js';
import type { Position } from './wildcard.js';

/**
 * Sigma value modifiers (`field|contains|all`): which exist, which Cordon implements, and which
 * combinations make sense. Order does not matter except that the `re` flags must follow `re`.
 */

const POSITIONS = ['contains', 'startswith', 'endswith'] as const;
const COMPARISONS = ['gt', 'gte', 'lt', 'lte'] as const;
const RE_FLAGS = ['i', 'm', 's'] as const;
const IMPLEMENTED = [
  ...POSITIONS,
  ...COMPARISONS,
  'all',
  'exists',
  'cased',
  're',
  'neq',
  'cidr',
  'fieldref',
] as const;

/** Sigma modifiers this version refuses, each with the way to express the rule without it. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  base64: 'Canonical events carry decoded text; match it with contains or re instead',
  base64offset: 'Canonical events carry decoded text; match it with contains or re instead',
  utf16le: 'Canonical events carry decoded text; match it with contains or re instead',
  utf16be: 'Canonical events carry decoded text; match it with contains or re instead',
  utf16: 'Canonical events carry decoded text; match it with contains or re instead',
  wide: 'Canonical events carry decoded text; match it with contains or re instead',
  windash: 'List the dash variants as separate values instead',
  expand: 'Write the values out; placeholders are not resolved',
  minute: 'Compare the epoch-ms field "time" with gt/gte/lt/lte instead',
  hour: 'Compare the epoch-ms field "time" with gt/gte/lt/lte instead',
  day: 'Compare the epoch-ms field "time" with gt/gte/lt/lte instead',
  week: 'Compare the epoch-ms field "time" with gt/gte/lt/lte instead',
  month: 'Compare the epoch-ms field "time" with gt/gte/lt/lte instead',
  year: 'Compare the epoch-ms field "time" with gt/gte/lt/lte instead',
};

/** What kind of comparison a field condition performs; at most one per field. */
export type ValueType = 'plain' | 're' | 'cidr' | 'compare' | 'exists' | 'fieldref';

export interface ModifierSet {
  readonly type: ValueType;
  readonly position: Position;
  readonly compareOp: CompareOp | undefined;
  readonly all: boolean;
  readonly cased: boolean;
  readonly neq: boolean;
  readonly reFlags: readonly RegexFlag[];
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/**
 * Parses the modifiers of one field key. Reports every problem on the key (`path`) and returns
 * undefined when the key cannot be used.
 */
export function parseModifiers(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  modifiers: readonly string[],
): ModifierSet | undefined {
  const field = key.split('|')[0] ?? '';
  const where = `${ctx.subject} field "${field}"`;
  const fail = (
    code: 'CORDON_ERR_RULE_MODIFIER' | 'CORDON_ERR_RULE_UNSUPPORTED',
    problem: string,
    fix: string,
  ): undefined => {
    ctx.sink.error(path, code, `${where} ${problem}; got "${key}". ${fix}`, true);
    return undefined;
  };

  // Set through setType (a closure), so TypeScript must not narrow it to 'plain'.
  let type = 'plain' as ValueType;
  let typeModifier = '';
  let position: Position = 'exact';
  let compareOp: CompareOp | undefined;
  let all = false;
  let cased = false;
  let neq = false;
  const reFlags: RegexFlag[] = [];
  const seen = new Set<string>();

  const setType = (next: ValueType, name: string): boolean => {
    if (type !== 'plain') {
      fail(
        'CORDON_ERR_RULE_MODIFIER',
        `combines "${typeModifier}" and "${name}", which exclude each other`,
        'Keep one of them.',
      );
      return false;
    }
    type = next;
    typeModifier = name;
    return true;
  };

  for (const raw of modifiers) {
    const mod = raw.toLowerCase();
    if (mod === '')
      return fail(
        'CORDON_ERR_RULE_MODIFIER',
        'has an empty modifier (two "|" in a row or a trailing "|")',
        'Remove the extra "|".',
      );
    if (seen.has(mod))
      return fail('CORDON_ERR_RULE_MODIFIER', `repeats modifier "${mod}"`, 'Write it once.');
    seen.add(mod);
    const unsupported = UNSUPPORTED[mod];
    if (unsupported !== undefined) {
      return fail(
        'CORDON_ERR_RULE_UNSUPPORTED',
        `uses the Sigma modifier "${mod}", which this version of Cordon does not implement`,
        `${unsupported}.`,
      );
    }
    if (isOneOf(RE_FLAGS, mod)) {
      if (type !== 're') {
        return fail(
          'CORDON_ERR_RULE_MODIFIER',
          `uses "${mod}", which is a flag of the "re" modifier and must follow it`,
          `Write "${field}|re|${mod}".`,
        );
      }
      reFlags.push(mod);
    } else if (isOneOf(POSITIONS, mod)) {
      if (position !== 'exact') {
        return fail(
          'CORDON_ERR_RULE_MODIFIER',
          `combines "${position}" and "${mod}", which exclude each other`,
          'Keep one of them, or use a wildcard pattern such as "abc*xyz".',
        );
      }
      position = mod;
    } else if (isOneOf(COMPARISONS, mod)) {
      if (!setType('compare', mod)) return undefined;
      compareOp = mod;
    } else if (mod === 're' || mod === 'cidr' || mod === 'exists' || mod === 'fieldref') {
      if (!setType(mod, mod)) return undefined;
    } else if (mod === 'all') {
      all = true;
    } else if (mod === 'cased') {
      cased = true;
    } else if (mod === 'neq') {
      neq = true;
    } else {
      const hint = suggest(mod, [...IMPLEMENTED, ...Object.keys(UNSUPPORTED)]);
      return fail(
        'CORDON_ERR_RULE_MODIFIER',
        `uses unknown modifier "${raw}"`,
        hint ? `Did you mean "${hint}"?` : `Known modifiers: ${IMPLEMENTED.join(', ')}.`,
      );
    }
  }

  // Combinations that parse but mean nothing (or something other than the author thinks).
  if (position !== 'exact' && type !== 'plain' && type !== 'fieldref') {
    return fail(
      'CORDON_ERR_RULE_MODIFIER',
      `combines "${position}" and "${typeModifier}", which exclude each other`,
      'Keep one of them.',
    );
  }
  if (cased && type !== 'plain' && type !== 'fieldref') {
    const fix =
      type === 're'
        ? 'Remove "cased": re is case-sensitive already (use re|i for the opposite).'
        : 'Remove "cased".';
    return fail(
      'CORDON_ERR_RULE_MODIFIER',
      `uses "cased" with "${typeModifier}", where it has no effect`,
      fix,
    );
  }
  if (neq && (type === 'compare' || type === 'exists')) {
    return fail(
      'CORDON_ERR_RULE_MODIFIER',
      `combines "neq" and "${typeModifier}", which exclude each other`,
      'Keep one of them.',
    );
  }
  if (all && type === 'exists') {
    return fail(
      'CORDON_ERR_RULE_MODIFIER',
      'combines "all" and "exists", which takes a single true or false',
      'Remove "all".',
    );
  }
  return { type, position, compareOp, all, cased, neq, reFlags };
}
