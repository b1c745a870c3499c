/**
 * The log may store `raw` as the sender's own JSON text instead of serialising the parsed
 * value again. A reader parses what is stored, so both must parse to the same event, whatever
 * the text's spacing, escapes or number spelling; a value without recorded text (or a copy,
 * as redaction makes) is serialised as before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { rememberRawText } from '../../../src/ingest/sources/raw-text.js';
import { eventJson, storedEventJson } from '../../../src/store/event-json.js';
import { rawLabelIndexes, restoreRawLabels } from '../../../src/store/event-log-labels.js';

function event(raw: unknown): CanonicalEvent {
  return {
    id: 'e-1',
    time: Date.UTC(2026, 5, 1),
    kind: 'log',
    name: 'n',
    severity: 'info',
    outcome: 'unknown',
    entity: { host: 'h' },
    measures: { latency_ms: 3 },
    labels: { a: 'b' },
    raw,
    source: 'bulk',
    received: Date.UTC(2026, 5, 1),
  };
}

/** JSON objects written the ways senders write them: compact, indented, escaped. */
const senderText = fc
  .tuple(
    fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
    fc.constantFrom(undefined, 1, 2, '\t'),
    fc.boolean(),
  )
  .map(([value, indent, escape]) => {
    const text = JSON.stringify(value, null, indent);
    // Escaped the way other encoders do (Go escapes <, > and &): the same value, other text.
    return escape ? text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : text;
  });

describe('eventJson', () => {
  it('stores the sender text as raw, parsing back to what serialising the value gives', () => {
    fc.assert(
      fc.property(senderText, (text) => {
        const raw = JSON.parse(text) as object;
        const plain = JSON.parse(JSON.stringify(event(raw))) as unknown;
        rememberRawText(raw, text);
        const stored = eventJson(event(raw));
        expect(JSON.parse(stored)).toEqual(plain);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the original text (spacing and escapes) when one was recorded', () => {
    const text = '{ "msg" : "a\\u003cb",\n  "n": 1.50 }';
    const raw = JSON.parse(text) as object;
    rememberRawText(raw, text);
    expect(eventJson(event(raw))).toContain(`"raw":${text}}`);
  });

  it('serialises values without recorded text, and copies of recorded ones, as before', () => {
    const raw = { msg: 'x' };
    expect(eventJson(event(raw))).toBe(JSON.stringify(event(raw)));
    rememberRawText(raw, '{"msg":"x"}');
    const copy = { ...raw };
    expect(eventJson(event(copy))).toBe(JSON.stringify(event(copy)));
    expect(eventJson(event(undefined))).toBe(JSON.stringify(event(undefined)));
    expect(eventJson(event('a line'))).toBe(JSON.stringify(event('a line')));
  });
});

/**
 * Events as sources make them: any subset of the members in any order, free-form maps,
 * text or not, raw of any JSON (with or without its sender text recorded).
 */
const anyEvent = fc
  .record(
    {
      id: fc.string({ maxLength: 8 }),
      time: fc.integer(),
      kind: fc.constantFrom('log', 'inference', 'login'),
      name: fc.string({ maxLength: 8 }),
      severity: fc.constantFrom('info', 'high'),
      outcome: fc.constantFrom('unknown', 'failure'),
      entity: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 6 }), {
        maxKeys: 3,
      }),
      measures: fc.dictionary(
        fc.string({ maxLength: 4 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        { maxKeys: 3 },
      ),
      labels: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), {
        maxKeys: 4,
      }),
      text: fc.dictionary(fc.constantFrom('prompt', 'response'), fc.string({ maxLength: 10 }), {
        maxKeys: 2,
      }),
      raw: fc.jsonValue({ maxDepth: 3 }),
      source: fc.string({ maxLength: 6 }),
      received: fc.integer(),
    },
    { requiredKeys: ['id'] },
  )
  .chain((members) =>
    // Members in a random order: sources build events in different orders.
    fc
      .shuffledSubarray(Object.keys(members), { minLength: Object.keys(members).length })
      .map((order) =>
        Object.fromEntries(order.map((k) => [k, (members as Record<string, unknown>)[k]])),
      ),
  )
  .chain((event) => fc.tuple(fc.constant(event), fc.boolean()));

/** What the log stored before the serialiser stopped copying events: the reference. */
function referenceJson(event: CanonicalEvent): string {
  const { raw, ...rest } = event;
  const text = typeof raw === 'object' && raw !== null ? recorded.get(raw) : undefined;
  if (text === undefined) return JSON.stringify(event);
  const head = JSON.stringify(rest);
  return head === '{}' ? `{"raw":${text}}` : `${head.slice(0, -1)},"raw":${text}}`;
}
const recorded = new WeakMap<object, string>();

describe('eventJson and storedEventJson without copying the event', () => {
  it('write exactly what JSON.stringify of the event without its kept-apart members gives, and leave the event as it was', () => {
    fc.assert(
      fc.property(anyEvent, ([members, recordText]) => {
        const event = members as unknown as CanonicalEvent;
        if (recordText && typeof event.raw === 'object' && event.raw !== null) {
          const text = JSON.stringify(event.raw);
          rememberRawText(event.raw, text);
          recorded.set(event.raw, text);
        }
        const keysBefore = Object.keys(event);
        const before = JSON.stringify(event);
        const whole = eventJson(event);
        // Labels raw holds verbatim go by reference (event-log-labels.ts, tested there).
        if (rawLabelIndexes(event.labels, event.raw) === undefined || !recordText)
          expect(whole).toBe(referenceJson(event));
        const read = JSON.parse(whole) as CanonicalEvent;
        restoreRawLabels(read);
        expect(read).toEqual(JSON.parse(before));
        const stored = storedEventJson(event);
        if (event.text === undefined || Object.keys(event.text).length === 0) {
          expect(stored).toEqual({ event: whole, text: '' });
        } else {
          const { text, raw, ...rest } = event;
          expect(stored.event).toBe(JSON.stringify(rest));
          expect(JSON.parse(stored.text)).toEqual(JSON.parse(JSON.stringify({ text, raw })));
        }
        // Blanked members are put back; absent ones are not added.
        expect(Object.keys(event)).toEqual(keysBefore);
        expect(JSON.stringify(event)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });
});
