/**
 * Fuzzing the JSON body parsers: they never throw, agree with JSON.parse on what is valid,
 * and locate every problem (body level with line and column, or the NDJSON line).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Findings } from '../../../src/ingest/normalizers/findings.js';
import { findJsonSyntaxError } from '../../../src/ingest/normalizers/json-syntax.js';
import { parseJsonBody, parseNdjsonBody } from '../../../src/ingest/normalizers/parse-json-body.js';
import { deepJson, eventLike, jsonBodies, mutated, ndjsonBodies, RUNS } from './arbitraries.js';

const OPTIONS = { expected: 'a test body', trailingContentHint: 'Send an array.' };

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('finds a problem exactly when JSON.parse fails, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.json(), mutated(fc.json()), deepJson, mutated(deepJson), fc.string()),
        (text) => {
          const problem = findJsonSyntaxError(text);
          expect(problem === undefined, text).toBe(jsonParses(text));
          if (problem) {
            expect(problem.position).toBeGreaterThanOrEqual(0);
            expect(problem.position).toBeLessThanOrEqual(text.length);
            expect(problem.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('parseJsonBody', () => {
  it('returns the value or located body-level errors, never throwing', () => {
    fc.assert(
      fc.property(jsonBodies(eventLike), (body) => {
        const findings = new Findings();
        const parsed = parseJsonBody(body, findings.root(), OPTIONS);
        const result = findings.result([]);
        if (parsed.ok) {
          expect(result.ok).toBe(true);
          expect(parsed.value).toEqual(JSON.parse(body.toString('utf8').replace(/^\uFEFF/, '')));
          return;
        }
        if (result.ok) throw new Error('rejected without a reason');
        expect(result.errors).toHaveLength(1);
        const [error] = result.errors;
        expect(error?.path).toBe('');
        if (/not valid JSON|levels deep/.test(error?.reason ?? ''))
          expect(error?.reason).toMatch(/at line \d+, column \d+ \(near /);
        else expect(error?.reason).toMatch(/UTF-8|empty/);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('parseNdjsonBody', () => {
  it('returns one value per non-blank line or names each bad line, never throwing', () => {
    fc.assert(
      fc.property(ndjsonBodies(eventLike), (body) => {
        const findings = new Findings();
        const parsed = parseNdjsonBody(body, findings.root(), OPTIONS);
        const result = findings.result([]);
        const lines = body.toString('utf8').split('\n');
        if (parsed.ok) {
          expect(result.ok).toBe(true);
          for (const { lineIndex, value } of parsed.value)
            expect(value).toEqual(JSON.parse(lines[lineIndex] ?? ''));
          return;
        }
        if (result.ok) throw new Error('rejected without a reason');
        for (const error of result.errors) {
          expect(error.path).toMatch(/^(\/\d+)?$/);
          if (error.path !== '') {
            const index = Number(error.path.slice(1));
            expect(error.reason.startsWith(`line ${index + 1}: `)).toBe(true);
            expect(error.reason).toMatch(/column \d+/);
          }
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
