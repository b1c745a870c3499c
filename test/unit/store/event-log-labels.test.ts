/**
 * Labels that an event's raw holds verbatim are stored as indexes into RAW_LABELS and put back
 * by the log's reader: what a reader gets must be exactly the event that was stored, whatever
 * the labels and raw hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { rememberRawText } from '../../../src/ingest/sources/raw-text.js';
import { eventJson } from '../../../src/store/event-json.js';
import {
  RAW_LABELS,
  rawLabelIndexes,
  rawLabelText,
  restoreRawLabels,
} from '../../../src/store/event-log-labels.js';

function event(labels: Record<string, string>, raw: unknown): CanonicalEvent {
  return {
    id: 'e-1',
    time: Date.UTC(2026, 5, 1),
    kind: 'login',
    name: 'ssh_login',
    severity: 'info',
    outcome: 'failure',
    entity: { user: 'u' },
    measures: {},
    labels,
    raw,
    source: 'bulk',
    received: Date.UTC(2026, 5, 1),
  };
}

/** What the log's reader makes of a stored event. */
function readBack(stored: string): CanonicalEvent {
  const read = JSON.parse(stored) as CanonicalEvent;
  restoreRawLabels(read);
  return read;
}

/** The event with its recorded sender text, as the elastic-bulk reader leaves it. */
function withText(e: CanonicalEvent): CanonicalEvent {
  rememberRawText(e.raw as object, JSON.stringify(e.raw));
  return e;
}

describe('labels stored by reference to raw', () => {
  it('stores a Filebeat document’s copied labels as indexes and reads back the same event', () => {
    const raw = {
      message: 'Failed password for invalid user admin from 198.51.0.7 port 51522 ssh2',
      ecs: { version: '8.0.0' },
      event: { kind: 'event', category: ['authentication'], action: 'ssh_login' },
      source: { ip: '198.51.0.7', port: 51522 },
    };
    const labels = {
      event_kind: 'event',
      event_category: 'authentication',
      event_action: 'ssh_login',
      source_port: '51522',
      message: raw.message,
      ecs_version: '8.0.0',
      es_index: 'filebeat-8',
    };
    const e = withText(event(labels, raw));
    const plain = JSON.parse(JSON.stringify(e)) as unknown;
    const stored = eventJson(e);
    const parsed = JSON.parse(stored) as { labels: unknown; lx: number[] };
    expect(parsed.labels).toEqual({ es_index: 'filebeat-8' });
    expect(parsed.lx.map((i) => RAW_LABELS[i]![0]).sort()).toEqual([
      'ecs_version',
      'event_action',
      'event_category',
      'event_kind',
      'message',
      'source_port',
    ]);
    // The message is stored once, in raw.
    expect(stored.split(raw.message)).toHaveLength(2);
    expect(readBack(stored)).toEqual(plain);
    // The event itself is left as it was.
    expect(e.labels).toBe(labels);
    expect(JSON.parse(JSON.stringify(e))).toEqual(plain);
  });

  it('keeps a sender label named __proto__ beside labels stored by reference', () => {
    const labels = JSON.parse('{"__proto__":"p","message":"m"}') as Record<string, string>;
    const e = withText(event(labels, { message: 'm' }));
    const plain = JSON.parse(JSON.stringify(e)) as unknown;
    expect(readBack(eventJson(e))).toEqual(plain);
  });

  it('keeps a label that differs from raw (or whose raw is no text) as it is', () => {
    const raw = { message: ' spaced ', event: { kind: { nested: 1 }, type: [null, 'x'] } };
    const labels = { message: 'spaced', event_kind: '[object Object]', event_type: 'x' };
    expect(rawLabelIndexes(labels, raw)).toBeUndefined();
    const stored = eventJson(withText(event(labels, raw)));
    expect(JSON.parse(stored)).not.toHaveProperty('lx');
    expect(readBack(stored).labels).toEqual(labels);
  });

  it('reads text as the writer compares it: strings, numbers, booleans, lists of them', () => {
    expect(rawLabelText({ a: { b: 'x' } }, ['a', 'b'])).toBe('x');
    expect(rawLabelText({ a: 1.5 }, ['a'])).toBe('1.5');
    expect(rawLabelText({ a: false }, ['a'])).toBe('false');
    expect(rawLabelText({ a: ['x', 2, true] }, ['a'])).toBe('x,2,true');
    expect(rawLabelText({ a: [] }, ['a'])).toBe('');
    expect(rawLabelText({ a: ['x', {}] }, ['a'])).toBeUndefined();
    expect(rawLabelText({ a: null }, ['a'])).toBeUndefined();
    expect(rawLabelText({ a: [{ b: 'x' }] }, ['a', 'b'])).toBeUndefined();
    expect(rawLabelText(Object.create({ a: 'inherited' }), ['a'])).toBeUndefined();
    expect(rawLabelText('a line', ['a'])).toBeUndefined();
  });

  it('ignores indexes it does not know (a newer writer) and entries without any', () => {
    const read = { labels: { a: 'b' }, raw: { message: 'm' }, lx: [0, 9999, 'x'] };
    restoreRawLabels(read);
    expect(read).toEqual({ labels: { a: 'b', message: 'm' }, raw: { message: 'm' } });
    const plain = { labels: { a: 'b' }, raw: {} };
    restoreRawLabels(plain);
    expect(plain).toEqual({ labels: { a: 'b' }, raw: {} });
  });

  /** Raw documents whose fields at RAW_LABELS' paths hold any JSON. */
  const rawDoc = fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: RAW_LABELS.length - 1 }),
        fc.oneof(
          fc.string({ maxLength: 6 }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)), {
            maxLength: 3,
          }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      ),
      { maxLength: 8 },
    )
    .map((fields) => {
      const raw: Record<string, unknown> = {};
      for (const [i, value] of fields) {
        const path = RAW_LABELS[i]![1];
        let at = raw;
        for (const key of path.slice(0, -1)) {
          if (typeof at[key] !== 'object' || at[key] === null || Array.isArray(at[key]))
            at[key] = {};
          at = at[key] as Record<string, unknown>;
        }
        at[path.at(-1)!] = value;
      }
      return raw;
    });

  it('reads back exactly the stored event, for any labels and raw', () => {
    fc.assert(
      fc.property(
        rawDoc,
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: RAW_LABELS.length - 1 }),
            fc.oneof(fc.constant('from raw'), fc.string({ maxLength: 6 })),
          ),
          { maxLength: 6 },
        ),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
        (raw, picked, other) => {
          const labels: Record<string, string> = { ...other };
          for (const [i, how] of picked) {
            const [label, path] = RAW_LABELS[i]!;
            const text = rawLabelText(raw, path);
            labels[label] = how === 'from raw' && text !== undefined ? text : how;
          }
          const e = withText(event(labels, raw));
          const plain = JSON.parse(JSON.stringify(e)) as unknown;
          expect(readBack(eventJson(e))).toEqual(plain);
          expect(JSON.parse(JSON.stringify(e))).toEqual(plain);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
