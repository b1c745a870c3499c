import { describe, expect, it } from 'vitest';
import { packStoredEvents } from '../../../src/store/event-log.js';
import type { PackedEvents, StoredEvent } from '../../../src/store/event-log.js';

function stored(n: number, size: number): StoredEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'bulk',
    id: `ev-${i}`,
    event: JSON.stringify({ id: `ev-${i}`, message: `é ${'x'.repeat(size)}` }),
    text: i % 2 === 0 ? '' : JSON.stringify({ text: { prompt: `p${i} ü` } }),
    route: i * 7919,
  }));
}

/**
 * The parts of a packed block, decoded back: member, event JSON, text JSON per event, each
 * read as the RESP bulk string it must be (`$<bytes>\r\n…\r\n`), ending where `ends` says.
 */
function unpack(packed: PackedEvents): string[] {
  const text = Buffer.from(packed.bytes);
  const parts: string[] = [];
  let start = 0;
  for (const end of packed.ends) {
    const header = /^\$(\d+)\r\n/.exec(text.toString('latin1', start, start + 16));
    if (header === null) throw new Error(`no bulk string header at ${start}`);
    const from = start + header[0].length;
    const n = Number(header[1]);
    expect(from + n + 2).toBe(end);
    expect(text.toString('latin1', from + n, end)).toBe('\r\n');
    parts.push(text.toString('utf8', from, from + n));
    start = end;
  }
  expect(start).toBe(text.length);
  return parts;
}

describe('packStoredEvents (what an ingest worker thread sends back)', () => {
  it('packs a batch into bytes that hold exactly each event’s member, JSON and text', () => {
    const events = stored(500, 200);
    const packed = packStoredEvents('bulk', events);
    expect(packed.source).toBe('bulk');
    expect(packed.ids).toEqual(events.map((e) => e.id));
    expect(packed.withText).toBe(true);
    // Each event's partition route travels with it, so the log splits a packed batch right.
    expect([...packed.routes]).toEqual(events.map((e) => e.route));
    expect(unpack(packed)).toEqual(events.flatMap((e) => [`bulk/${e.id}`, e.event, e.text]));
  });
});
