/**
 * Fuzzing the playbook template renderer: any text parses to parts or a reason, any value
 * renders against any scope to a value or a reason, and nothing throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderValue } from '../../../src/playbook/template.js';
import { RUNS } from './arbitraries.js';

/** Text with template braces and path characters mixed in, so templates actually occur. */
const templateText = fc
  .array(
    fc.oneof(
      fc.constantFrom('{{', '}}', '{', '}', '.', '[0]', '[', ']', ' ', 'incident', 'group', 'a-b'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const scope = fc.dictionary(
  fc.constantFrom('incident', 'steps', 'a', '__proto__', 'constructor', 'group'),
  fc.anything({ maxDepth: 2 }),
);

describe('template renderer', () => {
  it('parses any text into literal parts and paths, or says why not', () => {
    fc.assert(
      fc.property(fc.oneof(templateText, fc.string()), (text) => {
        const parsed = parseTemplate(text);
        if (!parsed.ok) {
          expect(parsed.reason).toMatch(/\{\{|\}\}/);
          return;
        }
        // Literal parts and path sources put back together give the text (modulo spacing).
        const literal = parsed.parts.filter((p): p is string => typeof p === 'string').join('');
        expect(literal.includes('{{') || literal.includes('}}')).toBe(false);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('renders any value against any scope to a value or a reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          templateText,
          fc.anything({ maxDepth: 2 }),
          fc.array(templateText),
          fc.dictionary(fc.string(), templateText),
        ),
        scope,
        (value, s) => {
          const rendered = renderValue(value, s);
          if (!rendered.ok) expect(rendered.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('never reaches past own properties (no prototype look-ups)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty'),
        (name) => {
          const rendered = renderValue(`{{ a.${name} }}`, { a: {} });
          expect(rendered.ok).toBe(false);
        },
      ),
    );
  });
});
