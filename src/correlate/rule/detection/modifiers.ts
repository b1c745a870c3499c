import { suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { RuleContext } from '../context.js';
import type { CompareOp } from './ir.js';
import type { RegexFlag } from './regex.js';
import type { ValueStep } from './transforms.js';
import type { Position } from './wildcard.js';

/**
 * Sigma value modifiers (`field|contains|all`): which exist, which Cordon implements, and which
 * combinations make sense. Order does not matter except that the `re` flags must follow `re`,
 * and that the string-rewriting modifiers (windash, the encodings, base64, base64offset) and
 * the position modifiers apply in the order written, as in pySigma: `base64|contains` matches
 * the encoding anywhere, `contains|base64` would have to encode the wildcards and is refused.
 */

const POSITIONS = ['contains', 'startswith', 'endswith'] as const;
const COMPARISONS = ['gt', 'gte', 'lt', 'lte'] as const;
const RE_FLAGS = ['i', 'm', 's'] as const;
/** `wide` is the Sigma specification's alias of `utf16le` (pySigma knows only `wide`). */
const ENCODINGS: Readonly<Record<string, ValueStep>> = {
  wide: 'utf16le',
  utf16le: 'utf16le',
  utf16be: 'utf16be',
  utf16: 'utf16',
};
const BASE64 = ['base64', 'base64offset'] as const;
/** pySigma's modifier linter accepts a repeat of base64 only (double encoding). */
const REPEATABLE: ReadonlySet<string> = new Set(['base64']);
const IMPLEMENTED = [
  ...POSITIONS,
  'windash',
  ...BASE64,
  ...Object.keys(ENCODINGS),
  ...COMPARISONS,
  'all',
  'exists',
  'cased',
  're',
  'neq',
  'cidr',
  'fieldref',
  'expand',
] as const;

/** Sigma modifiers this version refuses, each with the way to express the rule without it. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
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
  /** `expand`: `%name%` placeholders take their values from the processing pipelines. */
  readonly expand: boolean;
  readonly reFlags: readonly RegexFlag[];
  /**
   * The position and string-rewriting modifiers in the order written, for values that use a
   * rewriting one (windash, an encoding, base64, base64offset); otherwise `position` says it all.
   */
  readonly steps: readonly ValueStep[];
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
  let expand = false;
  const reFlags: RegexFlag[] = [];
  const steps: ValueStep[] = [];
  /** Names as written, parallel to `steps`, for messages. */
  const stepNames: string[] = [];
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
    if (seen.has(mod) && !REPEATABLE.has(mod))
      return fail('CORDON_ERR_RULE_MODIFIER', `repeats modifier "${mod}"`, 'Write it once.');
    const alias = mod === 'wide' ? 'utf16le' : mod === 'utf16le' ? 'wide' : undefined;
    if (alias !== undefined && seen.has(alias)) {
      return fail(
        'CORDON_ERR_RULE_MODIFIER',
        `repeats modifier "${mod}" (an alias of "${alias}")`,
        'Write it once.',
      );
    }
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
      steps.push(mod);
      stepNames.push(mod);
    } else if (mod === 'windash' || isOneOf(BASE64, mod) || ENCODINGS[mod] !== undefined) {
      steps.push(ENCODINGS[mod] ?? (mod as ValueStep));
      stepNames.push(mod);
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
    } else if (mod === 'expand') {
      expand = true;
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
  const rewriting = stepNames.find((name) => !isOneOf(POSITIONS, name));
  if (rewriting !== undefined) {
    const problem = chainProblem(type, typeModifier, position, stepNames, rewriting, (at) =>
      [field, ...modifiers.filter((m) => m.toLowerCase() !== position), at].join('|'),
    );
    if (problem) return fail('CORDON_ERR_RULE_MODIFIER', problem.problem, problem.fix);
  }
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
  if (expand && type !== 'plain') {
    return fail(
      'CORDON_ERR_RULE_MODIFIER',
      `combines "expand" and "${typeModifier}"; placeholders expand into plain string values only`,
      'Remove one of them.',
    );
  }
  if (all && type === 'exists') {
    return fail(
      'CORDON_ERR_RULE_MODIFIER',
      'combines "all" and "exists", which takes a single true or false',
      'Remove "all".',
    );
  }
  return {
    type,
    position,
    compareOp,
    all,
    cased,
    neq,
    expand,
    reFlags,
    steps: rewriting === undefined ? [] : steps,
  };
}

/**
 * What is wrong with a chain that rewrites string values, following pySigma: the rewriting
 * modifiers take plain strings only (so no re, cidr, comparison, exists or fieldref), base64
 * cannot encode the wildcards a position modifier adds (so the position goes after it), and
 * base64offset's trimmed variants only make sense inside a longer string (pySigma's linter
 * demands contains with it).
 */
function chainProblem(
  type: ValueType,
  typeModifier: string,
  position: Position,
  names: readonly string[],
  rewriting: string,
  /** The key with the position modifier moved to the end (or added) as `at`. */
  keyWith: (at: string) => string,
): { problem: string; fix: string } | undefined {
  if (type !== 'plain') {
    return {
      problem: `combines "${rewriting}" and "${typeModifier}", which exclude each other`,
      fix: `Keep one of them: "${rewriting}" rewrites plain string values only.`,
    };
  }
  const positionAt = names.findIndex((name) => isOneOf(POSITIONS, name));
  const encodedAfter = names.slice(positionAt + 1).find((name) => isOneOf(BASE64, name));
  if (positionAt >= 0 && encodedAfter !== undefined) {
    const target = names.includes('base64offset') ? 'contains' : position;
    return {
      problem: `applies "${position}" before "${encodedAfter}", which cannot encode the wildcards "${position}" adds`,
      fix: `Put "${target}" after "${encodedAfter}": "${keyWith(target)}".`,
    };
  }
  if (names.includes('base64offset') && position !== 'contains') {
    return {
      problem:
        position === 'exact'
          ? 'uses "base64offset" without "contains", but its offset variants only match inside a longer base64 string'
          : `combines "base64offset" and "${position}", but its offset variants only match inside a longer base64 string`,
      fix: `Write "${keyWith('contains')}".`,
    };
  }
  return undefined;
}
