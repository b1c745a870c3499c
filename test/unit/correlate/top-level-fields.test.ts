/**
 * The replay's one-pass reader of a line's top-level kind, id, source, times, name, severity
 * and outcome agrees with JSON.parse whenever it answers, answers for the plain form a serialiser writes, and leaves
 * anything less clear-cut (escapes, whitespace, repeated or oddly typed keys) to the full parse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readTopLevelFields,
  readTopLevelFieldsIn,
} from '../../../src/correlate/routing/top-level-fields.js';
import { EVENT_KEYS } from '../../../src/ingest/normalizers/canonical-input.js';

const json = fc.jsonValue({ maxDepth: 3 });

const event = fc.record(
  {
    id: fc.string({ maxLength: 12 }),
    time: fc.integer({ min: 0, max: 2 ** 45 }),
    kind: fc.constantFrom('audit', 'metric', 'alert'),
    source: fc.constantFrom('gw', 'splunk-hec', 'a"b', 'x\\y'),
    received: fc.integer({ min: 0, max: 2 ** 45 }),
    name: fc.oneof(fc.string({ maxLength: 10 }), json),
    severity: fc.oneof(fc.constantFrom('info', 'high', 'Hi"gh', 'x\\y', ''), json),
    outcome: fc.oneof(fc.constantFrom('success', 'failure', 'fail\n'), json),
    entity: fc.dictionary(fc.constantFrom('user', 'kind', 'time', 'id'), json, { maxKeys: 3 }),
    labels: fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 }),
  },
  { requiredKeys: ['id', 'time', 'kind'] },
);

describe('readTopLevelFields', () => {
  it('agrees with JSON.parse on serialised events whenever it answers', () => {
    fc.assert(
      fc.property(event, fc.boolean(), (e, reorder) => {
        const value = reorder ? Object.fromEntries(Object.entries(e).reverse()) : e;
        const line = JSON.stringify(value);
        const read = readTopLevelFields(line);
        // A wanted value the serialiser escapes (a quote, a backslash, a control character).
        const plain = ![e.id, e.source ?? ''].some((v) => JSON.stringify(v).includes('\\'));
        if (!plain) {
          expect(read).toBeUndefined();
          return;
        }
        // A string written without escapes is read as is; anything else present is null.
        const probe = (v: unknown): unknown =>
          v === undefined
            ? undefined
            : typeof v === 'string' && !JSON.stringify(v).includes('\\')
              ? v
              : null;
        expect(read).toEqual({
          kind: e.kind,
          id: e.id,
          source: e.source,
          time: e.time,
          received: e.received,
          name: probe(e.name),
          severity: probe(e.severity),
          outcome: probe(e.outcome),
        });
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads a line in place in a chunk exactly as on its own, whatever lies beyond it', () => {
    // Lines cut short anywhere, beside neighbours with quotes, braces and backslashes: a
    // search that runs past the line's end must not read the next line's text as its own.
    const neighbour = fc.oneof(
      event.map((e) => JSON.stringify(e)),
      fc.constantFrom('"}', '\\', '","kind":"login"}', '', ':1}', '"x":{"y":"}"}'),
    );
    fc.assert(
      fc.property(
        event,
        fc.nat(),
        fc.boolean(),
        neighbour,
        neighbour,
        (e, cut, whole, before, after) => {
          const full = JSON.stringify(e);
          const line = whole ? full : full.slice(0, cut % (full.length + 1));
          const text = `${before}\n${line}\n${after}`;
          const start = before.length + 1;
          const end = start + line.length;
          expect(readTopLevelFieldsIn(text, start, end, line.includes('\\'))).toEqual(
            readTopLevelFields(line),
          );
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('leaves lines it cannot read exactly to the full parse', () => {
    const lines = [
      '{"id":"a","time":1,"kind":"audit","kind":"metric"}', // a repeated key
      '{"id":"a", "time":1,"kind":"audit"}', // whitespace
      '{"id":"a","time":"1","kind":"audit"}', // a time as text
      '{"id":"a","time":1.5,"kind":"audit"}',
      '{"id":"a","time":-1,"kind":"audit"}',
      '{"id":"a","time":1e3,"kind":"audit"}',
      '{"id":"a","time":1,"kind":"au\\"dit"}', // an escape in a wanted value
      '{"id":7,"time":1,"kind":"audit"}',
      '{"id":"a","time":1}', // no kind
      '{"id":"a","time":1,"kind":"audit"', // unterminated
      '{"id":"a","time":1,"kind":"audit"}x',
      '{"id":"a","time":1,"kind":"audit","x":{"y":"}"}',
      '[{"id":"a","time":1,"kind":"audit"}]',
      '{"id":"a","time":1,"kind":"audit",}',
      '{}',
      '{"\\u006bind":"login","id":"a","time":1,"kind":"audit"}', // an escaped key
      '{"id":"a","kind":"audit","ti\\u006de":1,"time":1}',
      '{"id":"a","time":0170,"kind":"audit"}', // a leading zero
    ];
    for (const line of lines) expect(readTopLevelFields(line), line).toBeUndefined();
  });

  it('reads past nested objects, arrays and strings holding braces, quotes and key look-alikes', () => {
    const line = JSON.stringify({
      labels: { kind: 'login', time: 5, note: 'a "}{" b', list: [{ id: 'x' }, ']'] },
      id: 'e1',
      text: { prompt: '"kind":"login"' },
      time: 1767225600000,
      kind: 'audit',
      raw: { ok: true, n: null, v: -1.5e-3 },
      measures: { v: -1.5e-3 },
      outcome: 'failure',
    });
    expect(readTopLevelFields(line)).toEqual({
      kind: 'audit',
      id: 'e1',
      source: undefined,
      time: 1767225600000,
      received: undefined,
      name: undefined,
      severity: undefined,
      outcome: 'failure',
    });
  });

  it('leaves a line with a key no canonical event has to the full read, which refuses it', () => {
    const base = '"id":"a","time":1,"kind":"login"';
    for (const key of [...EVENT_KEYS, 'source', 'received']) {
      const value = ['time', 'received'].includes(key)
        ? '2'
        : ['id', 'kind', 'source', 'name', 'severity', 'outcome'].includes(key)
          ? '"x"'
          : '{}';
      const line = `{${base},"${key}":${value}}`;
      // A wanted key given twice is left to the full read too; every other one is read past.
      const repeated = ['id', 'time', 'kind'].includes(key);
      expect(readTopLevelFields(line) === undefined, line).toBe(repeated);
    }
    for (const key of ['colour', 'Entity', 'entities', 'txt', 'row', 'measure'])
      expect(readTopLevelFields(`{${base},"${key}":{}}`), key).toBeUndefined();
  });

  it('marks a name, severity or outcome it cannot read plainly as null, still reading the line', () => {
    const base = '"id":"a","time":1,"kind":"login"';
    const outcomeOf = (tail: string): unknown => readTopLevelFields(`{${base},${tail}}`)?.outcome;
    expect(outcomeOf('"outcome":"failure"')).toBe('failure');
    expect(outcomeOf('"outcome":null')).toBeNull();
    expect(outcomeOf('"outcome":3')).toBeNull();
    expect(outcomeOf('"outcome":{"a":1}')).toBeNull();
    expect(outcomeOf('"outcome":["failure"]')).toBeNull();
    expect(outcomeOf('"outcome":"fail\\u0075re"')).toBeNull(); // an escape
    expect(outcomeOf('"outcome":"success","outcome":"failure"')).toBeNull(); // repeated
    expect(outcomeOf('"outcome":null,"outcome":"failure"')).toBeNull();
    expect(readTopLevelFields(`{${base},"name":"a","name":"b"}`)?.name).toBeNull();
    expect(readTopLevelFields(`{${base},"severity":"high"}`)?.severity).toBe('high');
    expect(readTopLevelFields(`{"name":"sshd",${base}}`)).toMatchObject({ name: 'sshd', id: 'a' });
  });
});
