import { describe, expect, it } from 'vitest';
import { genericNormaliser } from '../../../src/ingest/normalizers/generic.js';
import { DEFAULT_MAX_DEPTH, findTooDeep } from '../../../src/ingest/normalizers/json-depth.js';
import { ctx, expectErrors, expectEvents } from './ingest-test-helpers.js';

describe('findTooDeep', () => {
  it('finds the bracket that opens the first level past the limit', () => {
    expect(findTooDeep('[[[]]]', 3)).toBeUndefined();
    expect(findTooDeep('[[[]]]', 2)).toBe(2);
    expect(findTooDeep('{"a":{"b":[1]}}', 2)).toBe(10);
    expect(findTooDeep('[[],[],[[]]]', 2)).toBe(8);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(findTooDeep('{"a":"[[[[{{{{"}', 1)).toBeUndefined();
    expect(findTooDeep('["\\"[[[[", "\\\\", []]', 1)).toBe(17);
  });

  it('walks a million levels without recursion', () => {
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    expect(findTooDeep(deep, 1_000_000)).toBeUndefined();
    expect(findTooDeep(deep, 999_999)).toBe(999_999);
  });
});

describe('the default nesting limit in a normaliser', () => {
  const event = (levels: number): Buffer => {
    // The event object is level 1; raw adds `levels` arrays.
    const raw = `${'['.repeat(levels)}${']'.repeat(levels)}`;
    return Buffer.from(`{"id":"e1","kind":"login","time":1718000000000,"raw":${raw}}`);
  };

  it(`accepts ${DEFAULT_MAX_DEPTH} levels and rejects one more, at body level with a position`, () => {
    expectEvents(genericNormaliser.normalise(event(DEFAULT_MAX_DEPTH - 1), ctx()));
    const errors = expectErrors(genericNormaliser.normalise(event(DEFAULT_MAX_DEPTH), ctx()));
    expect(errors).toEqual([
      {
        path: '',
        reason: expect.stringContaining(
          `nests objects and arrays more than ${DEFAULT_MAX_DEPTH} levels deep at line 1, column ${53 + DEFAULT_MAX_DEPTH}`,
        ),
      },
    ]);
  });

  it('takes the limit from the context', () => {
    expectErrors(genericNormaliser.normalise(event(3), ctx({ maxDepth: 3 })));
    expectEvents(genericNormaliser.normalise(event(2), ctx({ maxDepth: 3 })));
  });
});
