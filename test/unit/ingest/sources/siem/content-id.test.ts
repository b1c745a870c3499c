/**
 * Content ids are dedupe keys: the quick writer must give exactly the ids the general one
 * gave (stableStringify, then prefixedHashId), or a resend after an upgrade would count twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixedHashId } from '../../../../../src/ingest/normalizers/event-id.js';
import { contentId, stableJson } from '../../../../../src/ingest/sources/siem-common/content-id.js';
import { stableStringify } from '../../../../../src/shared/hash.js';

/** Keys an engine treats specially (array indexes, the prototype) beside ordinary ones. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', '0', '7', '10', '01', 'a', 'B', 'é', 'toJSON', ''),
);

/** Values as JSON.parse makes them: a round trip turns `__proto__` into an own key. */
const parsedJson = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    ),
  }))
  .value.map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe('stableJson', () => {
  it('writes exactly what stableStringify writes, for any parsed JSON value', () => {
    fc.assert(
      fc.property(parsedJson, (value) => {
        expect(stableJson(value)).toBe(stableStringify(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees on the awkward cases: numeric keys, __proto__, sorted and unsorted, nesting', () => {
    for (const text of [
      '{"b":1,"a":{"d":[{"z":1,"y":2}],"c":null}}',
      '{"a":1,"b":2}',
      '{"10":1,"9":2,"a":3}',
      '{"__proto__":{"x":1},"a":2}',
      '[{"b":1,"a":2},3,"x",[]]',
      '{"é":1,"e":2,"E":3,"":4}',
      '{"t":1718035412.377,"n":-0,"big":1e300}',
    ]) {
      const value = JSON.parse(text) as unknown;
      expect(stableJson(value)).toBe(stableStringify(value));
    }
  });

  it('leaves values JSON.parse never makes to stableStringify', () => {
    const date = new Date(0);
    expect(stableJson({ b: date, a: undefined })).toBe(stableStringify({ b: date, a: undefined }));
  });
});

describe('contentId', () => {
  it('is prefixedHashId over stableStringify', () => {
    fc.assert(
      fc.property(parsedJson, (value) => {
        expect(contentId('hec', value)).toBe(prefixedHashId('hec', stableStringify(value)));
      }),
      { numRuns: 300 },
    );
  });
});
