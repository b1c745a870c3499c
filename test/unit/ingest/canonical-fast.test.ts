/**
 * The fast path of reading a canonical event must never change a result: for every item it
 * either declines (undefined) or returns exactly what the thorough path returns; and for an
 * item the thorough path rejects, it declines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCanonicalFast } from '../../../src/ingest/normalizers/canonical-fast.js';
import { readCanonicalThorough } from '../../../src/ingest/normalizers/canonical-input.js';
import { Findings } from '../../../src/ingest/normalizers/findings.js';

const NOW = Date.UTC(2026, 5, 1);
const T = NOW - 60_000;

function thorough(item: unknown, recorded = false): unknown {
  const findings = new Findings();
  const event = readCanonicalThorough(item, findings.root(), NOW, recorded);
  return findings.failed ? 'rejected' : event;
}

const VALID: unknown[] = [
  { id: 'a', time: T, kind: 'inference' },
  { id: 'b', time: T, kind: 'llm', name: 'chat', severity: 'high', outcome: 'failure' },
  {
    id: 'c',
    time: T,
    kind: 'login',
    entity: { user: 'u', ip: '10.0.0.1', geo: { region: 'eu', country: 'DE' } },
    measures: { latency_ms: 12.5, status_code: 401 },
    labels: { team: 'x', 'a.b': 'y' },
    text: { prompt: 'hi' },
    raw: { anything: [1, 2] },
  },
  { id: 'd', time: T, kind: 'drift', text: {}, name: null, severity: null, outcome: null },
  { id: 'd6', time: T, kind: 'login', entity: { ip: '2001:db8::7' } },
];

/** Good addresses the thorough path rewrites: port to a label, v6 lower-cased, padding off. */
const IP_REWRITTEN: unknown[] = [
  { id: 'ip1', time: T, kind: 'login', entity: { ip: '198.51.100.7:443' } },
  { id: 'ip2', time: T, kind: 'login', entity: { ip: '[2001:db8::7]:443' } },
  { id: 'ip3', time: T, kind: 'login', entity: { ip: '2001:DB8::7' } },
  { id: 'ip4', time: T, kind: 'login', entity: { ip: ' 10.0.0.1' } },
  { id: 'ip5', time: T, kind: 'login', entity: { ip: '/10.0.0.1' } },
  { id: 'ip6', time: T, kind: 'login', entity: { ip: 'fe80::1%eth0' } },
];

const DECLINED: unknown[] = [
  { time: T, kind: 'inference' }, // no id: content hash
  { id: 'e', time: '2026-05-31T23:59:00Z', kind: 'inference' }, // time as a string
  { id: 'f', time: NOW + 3_600_000, kind: 'inference' }, // clamped
  { id: 'g', time: T, kind: 'inference', entity: { user: 42 } }, // number converted
  { id: 'h', time: T, kind: 'inference', entity: { user: null } },
  { id: 'i', time: T, kind: 'inference', measures: { x: null } },
  { id: 'j', time: T, kind: 'inference', labels: { x: 1 } },
  { id: 'k', time: T, kind: 'inference', entity: { geo: {} } },
  { id: 'ü', time: T, kind: 'inference' },
  { id: 'l', time: T, kind: 'inference', source: 'x' },
  ...IP_REWRITTEN,
  // Invalid: the thorough path rejects these, so the fast path must decline them.
  { id: 'm', time: T, kind: 'nope' },
  { id: 'n', time: T, kind: 'inference', entitiy: {} },
  { id: 'o', time: T, kind: 'inference', measures: { x: 'NaN' } },
  { id: 'p', time: T, kind: 'inference', labels: { 'cordon.x': 'y' } },
  { id: 'q', time: T, kind: 'inference', entity: { user: '  ' } },
  { id: '', time: T, kind: 'inference' },
  { id: 'r', time: 1_700_000_000, kind: 'inference' },
  { id: 's', time: T + 0.5, kind: 'inference' },
  { id: 't', time: T, kind: 'inference', name: ' ' },
  { id: 'u', time: T, kind: 'inference', text: { prompt: 1 } },
  { id: 'v', time: T, kind: 'inference', measures: { ' ': 1 } },
  { id: 'w', time: T, kind: 'login', entity: { ip: 'not-an-ip' } },
  { id: 'x', time: T, kind: 'login', entity: { ip: '999.1.1.1' } },
  { id: 'y', time: T, kind: 'login', entity: { ip: '198.51.100.7:99999' } },
  'not an object',
  [1],
  null,
];

describe('entity.ip placeholders and recorded events', () => {
  it('reads the placeholders senders write for no address as no address', () => {
    for (const ip of ['-', 'unknown', 'null'])
      expect(
        thorough({ id: 'n', time: T, kind: 'login', entity: { user: 'u', ip } }),
      ).toMatchObject({
        entity: { user: 'u' },
      });
    expect(thorough({ id: 'n', time: T, kind: 'login', entity: { ip: '-' } })).not.toHaveProperty(
      'entity.ip',
    );
  });

  it('keeps a recorded bad address as it was (a replay sees what live correlation saw)', () => {
    const item = { id: 'r', time: T, kind: 'login', entity: { ip: 'host-7' }, source: 'gw' };
    expect(thorough(item)).toBe('rejected');
    expect(thorough(item, true)).toMatchObject({ entity: { ip: 'host-7' } });
    expect(thorough({ ...item, entity: { ip: '198.51.100.7:443' } }, true)).toMatchObject({
      entity: { ip: '198.51.100.7:443' },
    });
  });
});

describe('readCanonicalFast', () => {
  it.each(VALID)('takes a canonical item exactly as the thorough path would: %j', (item) => {
    const fast = readCanonicalFast(item, NOW, false);
    expect(fast).toBeDefined();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(thorough(structuredClone(item))));
  });

  it.each(DECLINED)('declines what needs the thorough path: %j', (item) => {
    expect(readCanonicalFast(item, NOW, false)).toBeUndefined();
  });

  it('declines everything the thorough path rejects among the declined items', () => {
    const rejected = DECLINED.filter((item) => thorough(item) === 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(17);
  });

  it('leaves to the thorough path an ip it would rewrite, which it accepts', () => {
    for (const item of IP_REWRITTEN) {
      const event = thorough(item) as { entity: { ip: string } };
      expect(event).not.toBe('rejected');
      expect(event.entity.ip).not.toBe((item as typeof event).entity.ip);
    }
  });

  it('takes an entity.ip only as the thorough path would write it (property)', () => {
    const digitsAndDots = fc
      .array(fc.constantFrom(...'0123456789.'), { maxLength: 17 })
      .map((c) => c.join(''));
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      digitsAndDots,
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 99_999 })).map(([ip, p]) => `${ip}:${p}`),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(address, (ip) => {
        const item = { id: 'p', time: T, kind: 'login', entity: { ip } };
        const fast = readCanonicalFast(item, NOW, false);
        const slow = thorough(structuredClone(item));
        if (fast === undefined) return;
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts source and received only for recorded events', () => {
    const item = { id: 'x', time: T, kind: 'inference', source: 'gw', received: T + 1 };
    expect(readCanonicalFast(item, NOW, false)).toBeUndefined();
    expect(readCanonicalFast(item, NOW, true)).toMatchObject({ id: 'x', time: T });
    expect(thorough(item, false)).toBe('rejected');
  });
});
