import { describe, expect, it } from 'vitest';
import { genericNormaliser } from '../../../src/ingest/normalizers/generic.js';
import { MAX_ERRORS } from '../../../src/ingest/normalizers/findings.js';
import { sha256Hex, stableStringify } from '../../../src/shared/hash.js';
import {
  ctx,
  expectErrors,
  expectErrorsAt,
  expectPartial,
  expectEvents,
  expectWarnings,
  fixture,
  json,
  NOW,
} from './ingest-test-helpers.js';

const NDJSON = ctx({ contentType: 'application/x-ndjson' });

function normalise(body: Buffer, context = ctx()) {
  return genericNormaliser.normalise(body, context);
}

describe('generic normaliser: valid input', () => {
  it('maps a full event object field by field', () => {
    const body = fixture('generic/valid-event.json');
    const result = normalise(body);
    expect(expectWarnings(result)).toEqual([]);
    expect(expectEvents(result)).toEqual([
      {
        id: 'gw-7f3c-000123',
        time: Date.UTC(2024, 5, 10, 7, 51, 3, 157),
        kind: 'llm',
        name: 'chat completion',
        severity: 'low',
        outcome: 'success',
        entity: {
          user: 'svc-batch-scorer',
          api_key: '7f3c9a0e51b2',
          ip: '198.51.100.23',
          geo: { country: 'DE', region: 'BY', city: 'Munich' },
          model: 'gpt-support',
          model_version: '3',
          endpoint: '/v1/chat/completions',
          tenant: 'acme',
        },
        measures: { latency_ms: 812.4, tokens_in: 1200, tokens_out: 87, cost: 0.0031 },
        labels: { gateway: 'litellm', stream: 'false', retry: '2' },
        text: { prompt: 'Summarise the ticket', response: 'The user cannot log in.' },
      },
    ]);
  });

  it('stores a canonical item once: raw is only what the sender put under raw', () => {
    const item = {
      id: 'e-raw',
      time: 1718035412000,
      kind: 'login',
      raw: { line: 'sshd[42]: Failed password for alice' },
    };
    const [withRaw] = expectEvents(normalise(Buffer.from(JSON.stringify(item))));
    expect(withRaw?.raw).toEqual({ line: 'sshd[42]: Failed password for alice' });
    // The thorough path (a time string) keeps the same rule.
    const [thorough] = expectEvents(
      normalise(Buffer.from(JSON.stringify({ ...item, time: '2024-06-10T16:03:32Z' }))),
    );
    expect(thorough?.raw).toEqual({ line: 'sshd[42]: Failed password for alice' });
    const [without] = expectEvents(
      normalise(Buffer.from(JSON.stringify({ id: 'e-2', time: 1718035412000, kind: 'login' }))),
    );
    expect(without).not.toHaveProperty('raw');
  });

  it('fills defaults and content-hash ids for an array', () => {
    const events = expectEvents(normalise(fixture('generic/valid-batch.json')));
    const first = {
      time: 1718035412000,
      kind: 'login',
      name: 'login',
      severity: 'info',
      outcome: 'failure',
      entity: { user: 'alice', ip: '203.0.113.9' },
      measures: {},
      labels: {},
    };
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      id: `h_${sha256Hex(stableStringify(first)).slice(0, 32)}`,
      ...first,
    });
    expect(events[1]).toMatchObject({
      time: Date.UTC(2024, 5, 10, 16, 3, 32),
      kind: 'drift',
      name: 'drift',
      severity: 'high',
      outcome: 'unknown',
      entity: {},
      measures: { drift_score: 0.42 },
      labels: { segment_region: 'eu-west' },
    });
    expect(events[1]?.id).toMatch(/^h_[0-9a-f]{32}$/);
    expect(events[1]).not.toHaveProperty('text');
  });

  it('reads NDJSON, skipping blank lines, in every JSON Lines content type', () => {
    for (const contentType of [
      'application/x-ndjson',
      'application/jsonl',
      'application/json-lines',
    ]) {
      const events = expectEvents(
        normalise(fixture('generic/valid-events.ndjson'), ctx({ contentType })),
      );
      expect(events.map((e) => [e.kind, e.time, e.measures])).toEqual([
        ['inference', 1718035412000, { latency_ms: 41 }],
        ['inference', 1718035413500, { latency_ms: 38 }],
        ['feedback', 1718035414000, {}],
      ]);
      expect(events[2]?.id).toBe('evt-3');
    }
  });

  it('gives equal content the same id whatever the key order or time notation', () => {
    const a = expectEvents(
      normalise(
        json({ kind: 'login', time: 1718035412000, severity: 'info', labels: { b: '1', a: '2' } }),
      ),
    );
    const b = expectEvents(
      normalise(json({ labels: { a: '2', b: 1 }, time: '2024-06-10T16:03:32Z', kind: 'login' })),
    );
    const c = expectEvents(
      normalise(json({ kind: 'login', time: 1718035412000, outcome: 'failure' })),
    );
    expect(a[0]?.id).toBe(b[0]?.id);
    expect(a[0]?.id).not.toBe(c[0]?.id);
    expect(expectEvents(normalise(json({ kind: 'login', time: 1718035412000 })))[0]?.id).toBe(
      expectEvents(normalise(json({ kind: 'login', time: 1718035412000 })))[0]?.id,
    );
  });

  it('clamps a time far in the future, labels the original and warns, keeping the id stable', () => {
    const future = NOW + 10 * 60_000;
    const body = json({ kind: 'audit', time: future });
    const result = normalise(body);
    const [event] = expectEvents(result);
    expect(event?.time).toBe(NOW);
    expect(event?.labels).toEqual({ 'cordon.time_clamped_from': new Date(future).toISOString() });
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining(
        '/time: 2024-06-11T00:10:00.000Z is more than 5 minutes after receipt',
      ),
    ]);
    const later = expectEvents(normalise(body, ctx({ now: NOW + 60_000 })));
    expect(later[0]?.id).toBe(event?.id);
    expect(later[0]?.time).toBe(NOW + 60_000);
  });

  it('does not clamp within the allowed skew', () => {
    const [event] = expectEvents(normalise(json({ kind: 'audit', time: NOW + 5 * 60_000 })));
    expect(event?.time).toBe(NOW + 5 * 60_000);
  });
});

describe('generic normaliser: invalid input', () => {
  it('rejects epoch seconds with a unit hint', () => {
    expectErrorsAt(normalise(fixture('generic/bad-seconds-time.json')), {
      '/time': [
        '1718035412 (a number)',
        'looks like epoch seconds',
        'Send milliseconds (1718035412000)',
        'ISO 8601',
      ],
    });
  });

  it('suggests the closest entity key for typos, at every level', () => {
    expectErrorsAt(normalise(fixture('generic/bad-unknown-entity-key.json')), {
      '/entity/modle': ['"modle" is not a field of entity', 'Did you mean "model"?'],
      '/entity/geo/contry': ['"contry" is not a field of entity.geo', 'Did you mean "country"?'],
      '/entity/accelerator': [
        '"accelerator" is not a field of entity',
        'Known fields: user, api_key',
      ],
    });
  });

  it('rejects unknown and missing kinds, with suggestions', () => {
    expectErrorsAt(normalise(fixture('generic/bad-kind.json')), {
      '/0/kind': ['must be one of alert, drift', 'got "Alert"', 'Did you mean "alert"?'],
      '/1/kind': ['got "incident"'],
      '/2/kind': ['is required'],
    });
  });

  it("takes Cordon's own export as it is, keeping the source it first came through as a label", () => {
    const exported = {
      id: 'x1',
      time: 1718035265731,
      received: 1718035265999,
      source: 'splunk',
      kind: 'alert',
      name: 'n',
      severity: 'high',
      outcome: 'firing',
      entity: { user: 'a' },
      measures: {},
      labels: { 'cordon.time_clamped_from': '2030-01-01T00:00:00Z' },
    };
    const [event] = expectEvents(normalise(json(exported)));
    expect(event).toMatchObject({ id: 'x1', kind: 'alert', entity: { user: 'a' } });
    expect(event?.labels).toEqual({
      'cordon.time_clamped_from': '2030-01-01T00:00:00Z',
      'cordon.exported_source': 'splunk',
    });
    expect(event).not.toHaveProperty('source');
    expect(event).not.toHaveProperty('received');
  });

  it('refuses an export-looking event whose source or received is malformed', () => {
    expectEvents(normalise(fixture('generic/exported-shipper-event.json')));
    expectErrorsAt(normalise(fixture('generic/bad-exported-fields.json')), {
      '/received': ['must be the receipt time of an exported event', 'epoch ms'],
      '/source': ['must be the source name of an exported event', 'Remove "source" and "received"'],
    });
  });

  it('rejects quoted and non-finite measures', () => {
    expectErrorsAt(normalise(fixture('generic/bad-measures-strings.json')), {
      '/measures/latency_ms': [
        'must be a JSON number, not a string',
        'got "812.4"',
        'Send 812.4 without quotes',
      ],
      '/measures/confidence': ['got "NaN"', 'JSON has no NaN or Infinity'],
      '/measures/drift_score': ['got "Infinity"', 'JSON has no NaN or Infinity'],
      '/measures/tokens_in': ['must be a finite number; got true (a boolean)'],
    });
  });

  it('reports a truncated NDJSON line by index and line number', () => {
    expectErrorsAt(normalise(fixture('generic/bad-truncated.ndjson'), NDJSON), {
      '/2': [
        'line 3: is not valid JSON',
        'the body ends inside a string',
        'the body looks cut off',
      ],
    });
  });

  it('prefixes field errors of NDJSON items with their line number', () => {
    const body = Buffer.from(
      '{"kind":"login","time":1718035412000}\n\n{"kind":"logon","time":1718035412000}\n',
    );
    const [good] = expectPartial(normalise(body, NDJSON), 1, {
      '/2/kind': ['line 3: must be one of', 'Did you mean "login"?'],
    });
    expect(good?.kind).toBe('login');
  });

  it('accepts a batch in part: good items go in, each bad one is reported by index', () => {
    const result = normalise(fixture('generic/bad-batch-one-invalid.json'));
    expectPartial(result, 1, {
      '/1/time': ['put "T" between the date and the time', 'add a zone'],
      '/1/outcome': ['got "failed"', 'Did you mean "failure"?'],
    });
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([1]);
  });

  it('refuses the whole body when no item is good', () => {
    expectErrorsAt(normalise(json([{ kind: 'logon' }, 7])), {
      '/0/kind': 'must be one of',
      '/0/time': 'is required',
      '/1': 'must be',
    });
  });

  it('checks every optional field', () => {
    const result = normalise(
      json({
        id: 12345,
        time: '1718035412000',
        kind: 'alert',
        name: '',
        severity: 'warning',
        outcome: 'ok',
        entity: { user: '', ip: ['198.51.100.1'], geo: 'DE' },
        measures: { '': 1 },
        labels: { nested: { a: 1 }, 'cordon.time_clamped_from': 'x' },
        text: { prompt: 42, answer: 'x' },
        tags: ['a'],
      }),
    );
    expectErrorsAt(result, {
      '/id': ['must be a string; got 12345 (a number)', 'Send ids as strings ("12345")'],
      '/time': ['Send the number without quotes'],
      '/name': ['must be a non-empty string'],
      '/severity': ['got "warning"', 'Did you mean "medium"?'],
      '/outcome': ['must be one of success, failure, firing, resolved, unknown; got "ok"'],
      '/entity/user': ['must not be empty'],
      '/entity/ip': ['must be a string (numbers are accepted and converted); got an array'],
      '/entity/geo': ['must be an object with country, region and city; got "DE"'],
      '/measures/': ['a measure name must not be empty'],
      '/labels/nested': ['must be a string', 'Flatten nested values'],
      '/labels/cordon.time_clamped_from': ['reserved for labels Cordon sets'],
      '/text/prompt': ['must be a string; got 42 (a number)'],
      '/text/answer': ['"answer" is not a field of text'],
      '/tags': ['"tags" is not a field of a canonical event', 'Known fields: id, time, kind'],
    });
  });

  it('validates entity.ip before rules see it: a bad address refuses only its item', () => {
    const at = { kind: 'login', time: 1718035412000 };
    const result = normalise(
      json([
        { ...at, id: 'ok', entity: { ip: '203.0.113.9' } },
        { ...at, id: 'text', entity: { user: 'u', ip: 'not-an-ip' } },
        { ...at, id: 'octet', entity: { ip: '999.1.1.1' } },
        { ...at, id: 'port', entity: { ip: '198.51.100.7:99999' } },
        { ...at, id: 'number', entity: { ip: 12345 } },
      ]),
    );
    const [good] = expectPartial(result, 1, {
      '/1/entity/ip': ['must be an IPv4 or IPv6 address', 'got "not-an-ip"'],
      '/2/entity/ip': ['must be an IPv4 or IPv6 address', 'got "999.1.1.1"'],
      '/3/entity/ip': ['has port 99999, above 65535'],
      '/4/entity/ip': ['must be an IPv4 or IPv6 address', 'got "12345"'],
    });
    expect(good?.entity.ip).toBe('203.0.113.9');
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a bad entity.ip on an NDJSON line with its line number', () => {
    const body = Buffer.from(
      '{"id":"a","kind":"login","time":1718035412000,"entity":{"ip":"10.0.0.1"}}\n' +
        '{"id":"b","kind":"login","time":1718035412000,"entity":{"ip":"not-an-ip"}}\n',
    );
    expectPartial(normalise(body, NDJSON), 1, {
      '/1/entity/ip': ['line 2: must be an IPv4 or IPv6 address'],
    });
  });

  it('splits a port off entity.ip into the source_port label, as ECS does', () => {
    const at = { kind: 'login', time: 1718035412000 };
    const events = expectEvents(
      normalise(
        json([
          { ...at, id: 'v4', entity: { ip: '198.51.100.7:443' } },
          { ...at, id: 'v6', entity: { ip: '[2001:DB8::7]:8443' }, labels: { team: 'x' } },
          { ...at, id: 'own', entity: { ip: '198.51.100.7:443' }, labels: { source_port: 'p' } },
          { ...at, id: 'bare', entity: { ip: ' 2001:DB8::7%eth0 ' } },
        ]),
      ),
    );
    expect(events.map((e) => [e.entity.ip, e.labels])).toEqual([
      ['198.51.100.7', { source_port: '443' }],
      ['2001:db8::7', { team: 'x', source_port: '8443' }],
      ['198.51.100.7', { source_port: 'p' }],
      ['2001:db8::7', {}],
    ]);
  });

  it('checks ids', () => {
    expectErrorsAt(
      normalise(
        json([
          { kind: 'alert', time: 1718035412000, id: 'x'.repeat(257) },
          { kind: 'alert', time: 1718035412000, id: 'a\u0000b' },
          { kind: 'alert', time: 1718035412000, id: '' },
        ]),
      ),
      {
        '/0/id': ['at most 256 characters'],
        '/1/id': ['printable characters only'],
        '/2/id': ['must not be empty'],
      },
    );
  });

  it('treats null optional fields as absent', () => {
    const [event] = expectEvents(
      normalise(
        json({
          kind: 'alert',
          time: 1718035412000,
          id: null,
          name: null,
          severity: null,
          entity: { user: null },
          measures: null,
          labels: { a: null },
          text: null,
        }),
      ),
    );
    expect(event).toMatchObject({
      name: 'alert',
      severity: 'info',
      entity: {},
      measures: {},
      labels: {},
    });
  });

  it('keeps a sender __proto__ key as data', () => {
    const body = Buffer.from(
      '{"kind":"alert","time":1718035412000,"labels":{"__proto__":"x"},"measures":{"__proto__":1}}',
    );
    const [event] = expectEvents(normalise(body));
    expect(Object.getPrototypeOf(event?.labels)).toBe(Object.prototype);
    expect(Object.keys(event?.labels ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(event?.measures, '__proto__')?.value).toBe(1);
  });

  it('rejects bodies of the wrong shape', () => {
    expectErrorsAt(normalise(json([])), { '': 'is an empty array' });
    expectErrorsAt(normalise(json('event')), {
      '': 'must be one canonical event object, a JSON array of them, or NDJSON',
    });
    expectErrorsAt(normalise(json([1, null])), {
      '/0': 'must be a JSON object (one event); got 1 (a number)',
      '/1': 'got null',
    });
    expectErrorsAt(normalise(Buffer.from('')), { '': 'the body is empty' });
    expectErrorsAt(normalise(Buffer.from('{"kind":"alert","time":1}{"kind":"alert"}')), {
      '': ['line 1, column 26', 'NDJSON with Content-Type application/x-ndjson'],
    });
    expectErrorsAt(normalise(Buffer.from(''), NDJSON), { '': 'the body is empty' });
  });

  it(`caps the errors at ${MAX_ERRORS} and says how many were left out`, () => {
    const items = Array.from({ length: 60 }, () => ({ kind: 'nope', time: 1 }));
    const errors = expectErrors(normalise(json(items)));
    expect(errors).toHaveLength(MAX_ERRORS);
    expect(errors[MAX_ERRORS - 2]?.path).toBe('/24/kind');
    expect(errors[MAX_ERRORS - 1]).toEqual({
      path: '',
      reason:
        '71 more problems are not listed (at most 50 are reported); fix the ones above and resend to see the rest.',
    });
  });
});
