import { describe, expect, it } from 'vitest';
import { splunkWebhookNormaliser } from '../../../src/ingest/normalizers/splunk-webhook.js';
import { TIME_MISSING_LABEL } from '../../../src/ingest/normalizers/time-clamp.js';
import { sha256Hex } from '../../../src/shared/hash.js';
import {
  ctx,
  expectErrorsAt,
  expectEvents,
  expectWarnings,
  json,
  NOW,
  sample,
  sampleJson,
} from './ingest-test-helpers.js';

type Json = Record<string, unknown>;

function normalise(body: Buffer, context = ctx()) {
  return splunkWebhookNormaliser.normalise(body, context);
}

const SID = 'scheduler__admin__ml_soc__RMD5a1b2c3d4e5f6a7b8_at_1718035380_4417';
const RESULTS_LINK = `https://splunk.example.com:8000/app/ml_soc/@go?sid=${SID}`;

/** The sample with its result row replaced (or other top-level fields overridden). */
function alert(result: Json, top: Json = {}): Buffer {
  return json({ ...(sampleJson('splunk-webhook-alert.json') as Json), result, ...top });
}

describe('splunk-webhook normaliser: the sample', () => {
  it('maps the alert field by field', () => {
    const result = normalise(sample('splunk-webhook-alert.json'));
    expect(expectWarnings(result)).toEqual([]);
    expect(expectEvents(result)).toEqual([
      {
        id: `spl_${sha256Hex(SID).slice(0, 32)}`,
        time: 1718035412000,
        kind: 'alert',
        name: 'LLM gateway - burst of 401s per API key',
        severity: 'medium',
        outcome: 'unknown',
        entity: {
          user: 'svc-batch-scorer',
          ip: '198.51.100.23',
          api_key: '7f3c9a0e51b2',
          model: 'fraud-scorer',
          model_version: '3.4.1',
        },
        measures: { count: 57, avg_latency_ms: 812.4 },
        labels: {
          'splunk._time': '1718035412.000',
          'splunk.user': 'svc-batch-scorer',
          'splunk.src_ip': '198.51.100.23',
          'splunk.api_key_hash': '7f3c9a0e51b2',
          'splunk.model': 'fraud-scorer',
          'splunk.model_version': '3.4.1',
          'splunk.count': '57',
          'splunk.avg_latency_ms': '812.4',
          'splunk.sid': SID,
          'splunk.search_name': 'LLM gateway - burst of 401s per API key',
          'splunk.app': 'ml_soc',
          'splunk.owner': 'admin',
          'splunk.results_link': RESULTS_LINK,
        },
        raw: sampleJson('splunk-webhook-alert.json'),
      },
    ]);
  });

  it('derives the id from the sid only', () => {
    const a = expectEvents(normalise(sample('splunk-webhook-alert.json')))[0]?.id;
    expect(a).toBe('spl_0d3b229be67a06d2eb239e3471dbb048');
    expect(expectEvents(normalise(alert({ _time: '1718035499' })))[0]?.id).toBe(a);
    expect(expectEvents(normalise(alert({}, { sid: `${SID}_2` })))[0]?.id).not.toBe(a);
  });
});

describe('splunk-webhook normaliser: mapping rules', () => {
  it('falls back to the sid for a null search name and to the receipt time without _time', () => {
    const result = normalise(alert({ user: 'u' }, { search_name: null, results_link: null }));
    const [event] = expectEvents(result);
    expect(event).toMatchObject({ name: SID, time: NOW });
    expect(event?.labels).not.toHaveProperty('splunk.search_name');
    expect(event?.labels).not.toHaveProperty('splunk.results_link');
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining('/result: has no _time column'),
    ]);
  });

  it('flags the receipt time with the time_missing label, as other kinds do, only without _time', () => {
    const [untimed] = expectEvents(normalise(alert({ user: 'u' })));
    expect(untimed?.time).toBe(NOW);
    expect(untimed?.labels[TIME_MISSING_LABEL]).toBe('true');
    const [timed] = expectEvents(normalise(alert({ _time: '1718035412', user: 'u' })));
    expect(timed?.labels).not.toHaveProperty(TIME_MISSING_LABEL);
  });

  it('validates the IP columns: a port is split into source_port, IPv6 normalised', () => {
    const entityAndPort = (result: Json) => {
      const [event] = expectEvents(normalise(alert({ _time: '1718035412', ...result })));
      return [event?.entity.ip, event?.labels.source_port];
    };
    expect(entityAndPort({ src_ip: '198.51.100.7:443' })).toEqual(['198.51.100.7', '443']);
    expect(entityAndPort({ client_ip: '[2001:DB8::7]:8443' })).toEqual(['2001:db8::7', '8443']);
    expect(entityAndPort({ ip: '203.0.113.5' })).toEqual(['203.0.113.5', undefined]);
    // The placeholders searches write for no address mean none, as in the other source kinds.
    expect(entityAndPort({ src_ip: '-', client_ip: '203.0.113.6' })).toEqual([
      '203.0.113.6',
      undefined,
    ]);
    expect(entityAndPort({ src_ip: 'unknown' })).toEqual([undefined, undefined]);
    // Multivalue: every value checked, the first used.
    expect(entityAndPort({ src_ip: ['192.0.2.1', '192.0.2.2:80'] })).toEqual([
      '192.0.2.1',
      undefined,
    ]);
    // The raw column stays as sent in its splunk.* label.
    const [event] = expectEvents(
      normalise(alert({ _time: '1718035412', src_ip: '198.51.100.7:443' })),
    );
    expect(event?.labels['splunk.src_ip']).toBe('198.51.100.7:443');
  });

  it('uses CIM src only when it holds an address: a host name is warned about and passed over', () => {
    const result = normalise(alert({ _time: '1718035412', src: 'web-01', client_ip: '192.0.2.9' }));
    expect(expectEvents(result)[0]?.entity.ip).toBe('192.0.2.9');
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining('/result/src: is not an IP address, so it was not used as entity.ip'),
    ]);
    // Beside src_ip, src names a host and is not read at all.
    const both = normalise(alert({ _time: '1718035412', src_ip: '192.0.2.1', src: 'web-01' }));
    expect(expectEvents(both)[0]?.entity.ip).toBe('192.0.2.1');
    expect(expectWarnings(both)).toEqual([]);
  });

  it('joins multivalue fields and skips null values', () => {
    const [event] = expectEvents(
      normalise(
        alert({ _time: '1718035412', user: ['alice', 'bob'], src_ip: null, src: '192.0.2.1' }),
      ),
    );
    expect(event?.entity).toEqual({ user: 'alice,bob', ip: '192.0.2.1' });
    expect(event?.labels).toMatchObject({ 'splunk.user': 'alice,bob', 'splunk.src': '192.0.2.1' });
    expect(event?.labels).not.toHaveProperty('splunk.src_ip');
  });

  it('maps the alternative entity columns', () => {
    const [event] = expectEvents(
      normalise(
        alert({
          _time: '1718035412',
          client_ip: '192.0.2.9',
          api_key_id: 'k1',
          dest_host: 'gpu-7',
          http_user_agent: 'curl/8',
          session_id: 's1',
          tenant: 't',
          uri_path: '/v1/chat',
        }),
      ),
    );
    expect(event?.entity).toEqual({
      ip: '192.0.2.9',
      api_key: 'k1',
      host: 'gpu-7',
      user_agent: 'curl/8',
      session: 's1',
      tenant: 't',
      endpoint: '/v1/chat',
    });
  });

  it('reads every known measure column and leaves other numbers as labels', () => {
    const columns = {
      count: '3',
      latency_ms: '12.5',
      avg_latency_ms: '7',
      tokens_in: '100',
      tokens_out: '20',
      confidence: '0.91',
      drift_score: '-0.5',
      anomaly_score: '1e-3',
      status_code: '401',
      cost: '0.02',
      dc: '42',
    };
    const [event] = expectEvents(normalise(alert({ _time: '1718035412', ...columns })));
    expect(event?.measures).toEqual({
      count: 3,
      latency_ms: 12.5,
      avg_latency_ms: 7,
      tokens_in: 100,
      tokens_out: 20,
      confidence: 0.91,
      drift_score: -0.5,
      anomaly_score: 0.001,
      status_code: 401,
      cost: 0.02,
    });
    expect(event?.labels['splunk.dc']).toBe('42');
  });

  it('takes severity from severity, then urgency, with Splunk words', () => {
    const severity = (result: Json) =>
      expectEvents(normalise(alert({ _time: '1718035412', ...result })))[0]?.severity;
    expect(severity({ severity: 'high' })).toBe('high');
    expect(severity({ urgency: 'informational' })).toBe('info');
    expect(severity({ urgency: 'critical' })).toBe('critical');
    expect(severity({ severity: 'low', urgency: 'critical' })).toBe('low');
    expect(severity({})).toBe('medium');
    const result = normalise(alert({ _time: '1718035412', urgency: 'p1' }));
    expect(expectEvents(result)[0]?.severity).toBe('medium');
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining('/result/urgency: "p1" is not a known severity word'),
    ]);
  });

  it('honours cordon_kind and warns about an invalid one', () => {
    expect(
      expectEvents(normalise(alert({ _time: '1718035412', cordon_kind: 'login' })))[0]?.kind,
    ).toBe('login');
    const result = normalise(alert({ _time: '1718035412', cordon_kind: 'Login' }));
    expect(expectEvents(result)[0]?.kind).toBe('alert');
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining('"Login" is not an event kind'),
    ]);
  });

  it('accepts an RFC 3339 _time and truncates fractional seconds to ms', () => {
    expect(
      expectEvents(normalise(alert({ _time: '2024-06-10T18:03:32.1239+02:00' })))[0]?.time,
    ).toBe(1718035412123);
    expect(expectEvents(normalise(alert({ _time: '1718035412.1239' })))[0]?.time).toBe(
      1718035412123,
    );
  });

  it('clamps a future _time', () => {
    const result = normalise(alert({ _time: String(NOW / 1000 + 3600) }));
    expect(expectEvents(result)[0]?.time).toBe(NOW);
    expect(expectWarnings(result)).toEqual([expect.stringContaining('/result/_time:')]);
  });
});

describe('splunk-webhook normaliser: bad input', () => {
  it('reports every problem of the wrong-types sample', () => {
    expectErrorsAt(normalise(sample('bad/splunk-webhook-result-wrong-types.json')), {
      '/result': [
        'must be an object of column → value; got "count=57 user=svc-batch-scorer"',
        'raw event text',
      ],
      '/sid': ['got 4417 (a number)', 'Send it as a string ("4417")'],
      '/search_name': ['must be a string or null; got an array ["LLM gateway burst"]'],
    });
  });

  it('rejects bad column values, measures and times', () => {
    expectErrorsAt(
      normalise(
        alert({
          _time: '1718035412000',
          count: 'many',
          latency_ms: ['1', '2'],
          user: 5,
          tags: ['a', 7],
          nested: { a: '1' },
        }),
      ),
      {
        '/result/_time': ['looks like epoch milliseconds', 'divide by 1,000'],
        '/result/count': ['must be a single number (it becomes measures.count); got "many"'],
        '/result/latency_ms': ['got an array ["1","2"]'],
        '/result/user': [
          'must be a string, an array of strings (multivalue) or null; got 5 (a number)',
        ],
        '/result/tags/1': ['must be a string (a value of a multivalue field); got 7 (a number)'],
        '/result/nested': ['got an object {"a":"1"}'],
      },
    );
    expectErrorsAt(normalise(alert({ _time: ['1718035412', '1718035413'] })), {
      '/result/_time': 'must be a single value',
    });
    expectErrorsAt(normalise(alert({ _time: '2024-06-10 16:03:32' })), {
      '/result/_time': 'add a zone',
    });
  });

  it('refuses a bad address in an IP column at its location', () => {
    expectErrorsAt(normalise(alert({ _time: '1718035412', src_ip: '999.1.1.1' })), {
      '/result/src_ip': ['must be an IPv4 or IPv6 address', 'got "999.1.1.1"'],
    });
    // Checked also when not used, and with every other problem of the alert.
    expectErrorsAt(
      normalise(
        alert({
          _time: '1718035412',
          src_ip: '192.0.2.1',
          client_ip: 'not-an-ip',
          ip: ['192.0.2.3', '192.0.2.4:70000'],
          count: 'many',
        }),
      ),
      {
        '/result/client_ip': ['got "not-an-ip"'],
        '/result/ip/1': ['has port 70000, above 65535'],
        '/result/count': ['must be a single number'],
      },
    );
  });

  it('requires sid and result and checks the optional strings', () => {
    expectErrorsAt(normalise(json({ owner: 5, app: false, results_link: [] })), {
      '/sid': 'is required',
      '/result': 'is required',
      '/owner': 'got 5 (a number)',
      '/app': 'got false (a boolean)',
      '/results_link': 'got an array []',
    });
    expectErrorsAt(normalise(json({ sid: '  ', result: {} })), {
      '/sid': 'must be a non-empty string',
    });
    expectErrorsAt(normalise(json(['x'])), { '': 'must be one Splunk webhook alert' });
  });

  it('reports a truncated body', () => {
    expectErrorsAt(
      normalise(Buffer.from('{"result": {"_time": "1718035412.000", "user": "svc-ba')),
      {
        '': ['the body ends inside a string', 'line 1, column 55', 'looks truncated'],
      },
    );
  });
});
