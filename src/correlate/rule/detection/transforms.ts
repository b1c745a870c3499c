import { Buffer } from 'node:buffer';
import type { Position, WildcardToken } from './wildcard.js';
import { normaliseTokens, positionTokens } from './wildcard.js';

/**
 * The Sigma modifiers that rewrite a string value at load time — `windash`, `base64`,
 * `base64offset` and the UTF-16 encodings — together with the position modifiers, applied in the
 * order the key lists them. The result is one or more variants of the value (an expansion, in
 * pySigma's words) that are then matched against the event's text like any plain value.
 *
 * The semantics are pySigma's (sigma/modifiers.py, sigma/types.py SigmaString), including the
 * corners a rule author would not guess; each is called out where it is implemented, so a rule
 * matches in Cordon what pySigma's backends would make it match.
 */

/** A string-rewriting modifier, in the order written. `wide` is stored as `utf16le`. */
export type ValueStep =
  | Exclude<Position, 'exact'>
  | 'windash'
  | 'base64'
  | 'base64offset'
  | 'utf16le'
  | 'utf16be'
  | 'utf16';

export type Variants = readonly (readonly WildcardToken[])[];

export type TransformResult =
  | { readonly ok: true; readonly variants: Variants }
  /** A value the step cannot take: `problem` completes "<field> …", `fix` says what to do. */
  | { readonly ok: false; readonly problem: string; readonly fix: string };

/**
 * 5^4: a value with more than four replaceable dashes would expand into thousands of variants,
 * each tested on every event. SigmaHQ's rules use at most two per value.
 */
export const MAX_WINDASH_VARIANTS = 625;

/** Applies `steps` in order to a parsed Sigma string, starting from a single variant. */
export function applySteps(
  tokens: readonly WildcardToken[],
  steps: readonly ValueStep[],
): TransformResult {
  let variants: Variants = [tokens];
  for (const step of steps) {
    const next: WildcardToken[][] = [];
    for (const variant of variants) {
      const result = applyStep(variant, step);
      if (!result.ok) return result;
      next.push(...result.variants.map((v) => [...v]));
    }
    variants = next;
  }
  return { ok: true, variants: variants.map(normaliseTokens) };
}

function applyStep(tokens: readonly WildcardToken[], step: ValueStep): TransformResult {
  switch (step) {
    case 'contains':
    case 'startswith':
    case 'endswith':
      // pySigma adds a star only where there is none and merges the text either side of it.
      return { ok: true, variants: [normaliseTokens(positionTokens(tokens, step))] };
    case 'utf16le':
    case 'utf16be':
    case 'utf16':
      return encodeUtf16(tokens, step);
    case 'base64':
    case 'base64offset':
      return encodeBase64(tokens, step);
    case 'windash':
      return expandWindash(tokens);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * pySigma's UTF-16: each literal character becomes the characters whose UTF-8 bytes are its
 * UTF-16 bytes ("cmd" → "c\0m\0d\0"), so a later base64 step encodes exactly the UTF-16 bytes.
 * That only works where the UTF-16 bytes happen to be valid UTF-8 (always for ASCII); pySigma
 * refuses the value otherwise, and so do we. Wildcards stay wildcards. `utf16` puts the byte
 * order mark in front as the character U+FEFF — also before a star that an earlier `contains`
 * added — which a later base64 step therefore encodes as EF BB BF, as pySigma does.
 */
function encodeUtf16(
  tokens: readonly WildcardToken[],
  step: 'utf16le' | 'utf16be' | 'utf16',
): TransformResult {
  const out: WildcardToken[] = step === 'utf16' ? [{ kind: 'text', text: '\ufeff' }] : [];
  for (const token of tokens) {
    if (token.kind !== 'text') {
      out.push(token);
      continue;
    }
    const bytes = Buffer.from(token.text, 'utf16le');
    if (step === 'utf16be') bytes.swap16();
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      const name = step === 'utf16be' ? 'UTF-16BE' : 'UTF-16LE';
      return {
        ok: false,
        problem: `cannot be encoded as ${name} the way pySigma does it (its ${name} bytes must also be valid UTF-8, as they are for ASCII)`,
        fix: 'Use ASCII text, or drop the encoding modifier and match the decoded text.',
      };
    }
    out.push({ kind: 'text', text });
  }
  return { ok: true, variants: [out] };
}

/** Where each base64offset variant starts and ends, by shift and by the value's length mod 3. */
const OFFSET_STARTS = [0, 2, 3] as const;
const OFFSET_ENDS = [undefined, -3, -2] as const;

/**
 * `base64`: the value's UTF-8 bytes in standard base64 with padding. `base64offset`: the three
 * encodings of the value preceded by zero, one and two bytes, trimmed to the characters that do
 * not depend on the bytes around it, so each matches the value wherever it sits in a longer
 * encoded string (hence base64offset goes with contains).
 *
 * Two of pySigma's corners are kept: the bytes encoded are those of the value's Sigma spelling,
 * in which a literal `*` or `?` keeps its escaping backslash (SigmaString.__bytes__), and the
 * trimming is chosen by the value's length in characters, not in bytes.
 */
function encodeBase64(
  tokens: readonly WildcardToken[],
  step: 'base64' | 'base64offset',
): TransformResult {
  if (tokens.some((t) => t.kind !== 'text')) {
    return {
      ok: false,
      problem: `applies "${step}" to a value with a wildcard, which has no encoded form`,
      fix: `Remove the * or ?; to match the encoding inside a longer value write "|${step}|contains".`,
    };
  }
  const text = tokens.map((t) => (t.kind === 'text' ? t.text : '')).join('');
  const bytes = Buffer.from(text.replace(/[*?]/g, '\\$&'), 'utf8');
  if (step === 'base64') return { ok: true, variants: [literal(bytes.toString('base64'))] };
  const length = [...text].length;
  const variants = [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift, ' '), bytes]).toString('base64');
    return literal(encoded.slice(OFFSET_STARTS[shift], OFFSET_ENDS[(length + shift) % 3]));
  });
  return { ok: true, variants };
}

function literal(text: string): WildcardToken[] {
  return text === '' ? [] : [{ kind: 'text', text }];
}

/** The characters pySigma substitutes for a Windows option dash, in its order. */
export const WINDASH_CHARACTERS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

/** Python's `\w` on str: letters, digits and other numerics, and `_` (Unicode-aware). */
const WORD = /^[\p{L}\p{N}_]$/u;

/**
 * `windash`: every `-` or `/` that starts an option — at the start of a literal run or after a
 * non-word character, and followed by a word character (pySigma's `\B[-/]\b`, applied to each
 * literal run between wildcards) — is replaced by each of WINDASH_CHARACTERS, in all
 * combinations. `-param-1` varies in its first dash only.
 */
function expandWindash(tokens: readonly WildcardToken[]): TransformResult {
  // One list of alternative token lists per input token; their product is the expansion.
  const choices: WildcardToken[][][] = [];
  let count = 1;
  for (const token of tokens) {
    if (token.kind !== 'text') {
      choices.push([[token]]);
      continue;
    }
    const chars = [...token.text];
    const segments: string[][] = [[]];
    chars.forEach((ch, i) => {
      const before = chars[i - 1];
      const after = chars[i + 1];
      const isOption =
        (ch === '-' || ch === '/') &&
        (before === undefined || !WORD.test(before)) &&
        after !== undefined &&
        WORD.test(after);
      if (isOption) {
        segments.push([...WINDASH_CHARACTERS], []);
        count *= WINDASH_CHARACTERS.length;
      } else {
        const last = segments[segments.length - 1];
        if (last) last.push(ch);
      }
    });
    if (count > MAX_WINDASH_VARIANTS) {
      return {
        ok: false,
        problem: `has more option dashes than "windash" expands (at most ${MAX_WINDASH_VARIANTS} variants, four dashes)`,
        fix: 'Split it into several values with fewer dashes and add "|all".',
      };
    }
    // Alternate literal text and dash choices: [text, dashes, text, dashes, …, text].
    const texts = segments.map((s, i) => (i % 2 === 1 ? s : [s.join('')]));
    choices.push(product(texts).map((parts) => literal(parts.join(''))));
  }
  return { ok: true, variants: product(choices).map((parts) => parts.flat()) };
}

/** Cartesian product, the first list varying slowest (pySigma's order). */
function product<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((item) => [...prefix, item]));
  return out;
}
