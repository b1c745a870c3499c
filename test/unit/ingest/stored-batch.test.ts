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

/** The parts of a packed block, decoded back: member, event JSON, text JSON per event. */
function unpack(packed: PackedEvents): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const end of packed.ends) {
    parts.push(Buffer.from(packed.bytes).toString('utf8', start, end));
    start = end;
  }
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
