/**
 * flattenEcs skips the spelt-twice checks for documents without dotted keys, makes locations
 * only when something is reported, and records which names have fields under them. The
 * reference below is the plain version (every check, every location): for any document both
 * must give the same fields, the same places and the same reasons, and `namesUnder` the same
 * names as a filter over every field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Findings } from '../../../../../src/ingest/normalizers/findings.js';
import type { Location } from '../../../../../src/ingest/normalizers/findings.js';
import { got, isJsonObject } from '../../../../../src/ingest/normalizers/json-values.js';
import { EcsFields } from '../../../../../src/ingest/sources/ecs/ecs-fields.js';
import { flattenEcs } from '../../../../../src/ingest/sources/ecs/flatten.js';
import { knownFields } from '../../../../../src/ingest/sources/ecs/known-fields.js';
import { mayNestDeeper } from '../../../../../src/ingest/sources/elastic-bulk/bulk-lines.js';
import { findTooDeep } from '../../../../../src/ingest/normalizers/json-depth.js';
import { stableStringify } from '../../../../../src/shared/hash.js';

function referenceFlatten(doc: Record<string, unknown>, at: Location) {
  const leaves = new Map<string, { value: unknown; at: Location }>();
  let ok = true;
  const walk = (object: Record<string, unknown>, prefix: string, here: Location): void => {
    for (const key of Object.keys(object)) {
      const value = object[key];
      const name = prefix === '' ? key : `${prefix}.${key}`;
      const place = here.child(key);
      if (isJsonObject(value)) {
        walk(value, name, place);
        continue;
      }
      const before = leaves.get(name);
      if (before === undefined) leaves.set(name, { value, at: place });
      else if (stableStringify(before.value) !== stableStringify(value)) {
        place.error(
          `sets "${name}" to ${got(value)}, but ${before.at.path} sets it to ${got(before.value)}. ` +
            'Send the field once, either dotted or nested.',
        );
        ok = false;
      }
    }
  };
  walk(doc, '', at);
  const parents = new Map<string, string>();
  for (const name of leaves.keys())
    for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
      const parent = name.slice(0, dot);
      if (!parents.has(parent)) parents.set(parent, name);
    }
  for (const [name, leaf] of leaves) {
    const inner = parents.get(name);
    const innerLeaf = inner === undefined ? undefined : leaves.get(inner);
    if (innerLeaf === undefined) continue;
    leaf.at.error(
      `"${name}" is a value here (${got(leaf.value)}), but ${innerLeaf.at.path} sends fields under it. ` +
        `Move the value to a field of its own (for example "${name}.name").`,
    );
    ok = false;
  }
  return { flat: leaves, ok };
}

/** Documents that mix nested and dotted spellings of a few names, conflicts included. */
const segment = fc.constantFrom(
  'user',
  'name',
  'labels',
  'a',
  'geo',
  'x.y',
  'user.name',
  '',
  'x',
  'y',
  '__proto__',
);
const leafValue = fc.oneof(
  fc.constantFrom('v', 'w', 1, null, true, '__proto__'),
  fc.array(fc.constantFrom('p', 2), { maxLength: 2 }),
);
const doc = fc.letrec((tie) => ({
  object: fc.dictionary(segment, fc.oneof({ depthSize: 'small' }, leafValue, tie('object')), {
    maxKeys: 5,
  }),
})).object;

/** Names worth asking for: every field, the objects above them, and some that are not there. */
const PROBES = ['user', 'user.name', 'labels', 'labels.a', 'a', 'a.user', 'x', 'x.y', 'geo', ''];

describe('flattenEcs', () => {
  it('gives the fields, places and reasons of the plain walk, for any mix of spellings', () => {
    fc.assert(
      fc.property(doc, (value) => {
        const quick = new Findings();
        const plain = new Findings();
        const a = flattenEcs(value, quick.root().batchItem(3));
        const b = referenceFlatten(value, plain.root().batchItem(3));
        expect(a.ok).toBe(b.ok);
        expect(a.flat.names()).toEqual([...b.flat.keys()]);
        for (const name of [...b.flat.keys(), ...PROBES]) {
          const leaf = a.flat.get(name);
          const want = b.flat.get(name);
          expect(leaf === undefined).toBe(want === undefined);
          if (leaf === undefined || want === undefined) continue;
          expect(leaf.value).toBe(want.value);
          expect(leaf.at.path).toBe(want.at.path);
        }
        expect(quick.batch()).toEqual(plain.batch());
        const fields = new EcsFields(a.flat);
        for (const prefix of PROBES)
          expect(fields.namesUnder(prefix)).toEqual(
            [...b.flat.keys()].filter((n) => n.startsWith(`${prefix}.`)),
          );
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads documents without dotted keys in place, with the same places for their errors', () => {
    const quick = new Findings();
    const value = { user: { name: ['a', 'b'] }, labels: { x: 'y' }, n: 1 };
    const { flat } = flattenEcs(value, quick.root().batchItem(0, 'line 2: '));
    const fields = new EcsFields(flat);
    expect(fields.text('user.name')).toBeUndefined();
    expect(fields.failed).toBe(true);
    expect(quick.batch()).toEqual({
      ok: false,
      errors: [
        {
          path: '/0/user/name',
          reason:
            'line 2: must be one value; got an array ["a","b"]. Send a single value for this field.',
        },
      ],
    });
  });
});

describe('mayNestDeeper', () => {
  it('is true whenever findTooDeep finds something', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 6 }), (v, max) => {
        const line = JSON.stringify(v);
        if (findTooDeep(line, max) !== undefined) expect(mayNestDeeper(line, max)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});

/** Documents spelt with the reader's own field names, nested (no dotted keys). */
const knownSegment = fc.constantFrom(
  'event',
  'id',
  'kind',
  'category',
  'source',
  'ip',
  'geo',
  'city_name',
  'user',
  'name',
  'labels',
  'api_key_hash',
  'host',
  '__proto__',
);
const nestedDoc = fc.letrec((tie) => ({
  object: fc.dictionary(knownSegment, fc.oneof({ depthSize: 'small' }, leafValue, tie('object')), {
    maxKeys: 5,
  }),
})).object;

/** What a field is by walking its path: the value there unless it is an object. */
function walked(doc: Record<string, unknown>, name: string): unknown {
  let value: unknown = doc;
  for (const key of name.split('.')) {
    if (!isJsonObject(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return isJsonObject(value) ? undefined : value;
}

describe('the reader fields found in one walk', () => {
  it('are what walking each field path finds, also once other documents were read since', () => {
    fc.assert(
      fc.property(nestedDoc, nestedDoc, (first, second) => {
        const a = flattenEcs(first, new Findings().root()).flat;
        for (const field of knownFields()) {
          expect(a.known(field)).toBe(walked(first, field.name));
          expect(a.value(field.name)).toBe(walked(first, field.name));
        }
        // Reading `second` reuses the shared slots: `first` must not see its values.
        const b = flattenEcs(second, new Findings().root()).flat;
        for (const field of knownFields()) {
          expect(a.known(field)).toBe(walked(first, field.name));
          expect(a.value(field.name)).toBe(walked(first, field.name));
          expect(b.known(field)).toBe(walked(second, field.name));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('covers the fields the tables ask for', () => {
    const names = knownFields().map((f) => f.name);
    for (const name of ['user.name', 'source.ip', 'client.geo.city_name', 'message', 'tags'])
      expect(names).toContain(name);
  });
});
