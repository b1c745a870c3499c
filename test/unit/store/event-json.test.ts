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
import { eventJson } from '../../../src/store/event-json.js';

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
