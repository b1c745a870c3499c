import { describe, expect, it } from 'vitest';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import { litellmSpendKind } from '../../../../../src/ingest/sources/litellm-spend/index.js';
import { itIsRegistered } from '../../../../helpers/source-goldens.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';

type Json = Record<string, unknown>;

const ROW = 'samples/ingest/litellm-spendlogs-row.json';
const ROWS = 'samples/ingest/litellm-spendlogs-rows.ndjson';

function row(changes: Json = {}): Json {
  const base = JSON.parse(fixtureBytes(ROW).toString('utf8')) as Json;
  const out: Json = { ...base, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete out[key];
  return out;
}

describe('litellm-spend: registration', () => {
  itIsRegistered(litellmSpendKind);
});

describe('litellm-spend: the samples', () => {
  it('maps one row field by field, like the live payload of the same call', async () => {
    const result = await runKind(litellmSpendKind, fixtureBytes(ROW));
    const events = okEvents(result);
    expect(result.ok && result.warnings).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: 'chatcmpl-9Zk2mQ7rT1vX4bN8cD0eF3gH5',
      time: Date.UTC(2024, 5, 10, 16, 4, 57, 512),
      kind: 'llm',
      outcome: 'success',
      entity: {
        api_key: '88d1f0c2b7e4a9f6d3c0b1a2e5f8d7c4b9a6e3f0d1c2b5a8e7f4d3c6b9a0e1f2',
        user: 'alice@example.com',
        ip: '198.51.100.23',
        model: 'gpt-4o-mini',
        session: '3f9b2c1a-8d7e-4f6a-9b5c-2e1d0c9b8a7f',
        tenant: 'team-support',
      },
      measures: {
        cost_usd: 0.00018645,
        tokens_in: 512,
        tokens_out: 187,
        tokens_total: 699,
        latency_ms: 1423,
      },
      labels: {
        cache_hit: 'false',
        api_key_user_id: 'svc-support-bot',
        team_alias: 'Support',
        request_tags: 'prod,support',
      },
    });
    // Message logging off: LiteLLM stores {} and there is no text to keep.
    expect(events[0]).not.toHaveProperty('text');
    expect(events[0]?.measures).not.toHaveProperty('ttft_ms');
    expectGolden(events, 'litellm-spend/row.json');
  });

  it('maps an NDJSON export: naive UTC times, JSON-text columns, string cache_hit', async () => {
    const events = okEvents(
      await runKind(litellmSpendKind, fixtureBytes(ROWS), { contentType: 'application/x-ndjson' }),
    );
    expect(events.map((e) => [e.id, e.time, e.outcome])).toEqual([
      ['req-0001', Date.UTC(2024, 5, 10, 16, 10, 0, 250), 'failure'],
      ['req-0002', Date.UTC(2024, 5, 10, 16, 11, 0, 0), 'success'],
    ]);
    const [failed, ok] = events;
    // Status and error details live in metadata in newer LiteLLM versions.
    expect(failed?.labels).toMatchObject({
      error_code: '401',
      error_class: 'AuthenticationError',
      request_tags: 'batch',
    });
    expect(failed?.labels).not.toHaveProperty('cache_hit');
    expect(failed?.measures.latency_ms).toBe(650);
    expect(ok?.measures).toMatchObject({ latency_ms: 2500, ttft_ms: 400 });
    expect(ok?.labels).toMatchObject({
      cache_hit: 'true',
      resolved_model: 'gpt-4o-2024-08-06',
      team_alias: 'Growth',
    });
    expect(ok?.text).toEqual({ prompt: 'Pick the best subject line.', response: 'Option B.' });
    expectGolden(events, 'litellm-spend/rows-ndjson.json');
  });

  it('accepts the /spend/logs answer: an array of rows', async () => {
    const body = JSON.stringify([row(), row({ request_id: 'chatcmpl-2', spend: 0.5 })]);
    const events = okEvents(await runKind(litellmSpendKind, body));
    expect(events.map((e) => [e.id, e.measures.cost_usd])).toEqual([
      ['chatcmpl-9Zk2mQ7rT1vX4bN8cD0eF3gH5', 0.00018645],
      ['chatcmpl-2', 0.5],
    ]);
  });
});

describe('litellm-spend: bad rows', () => {
  it('refuses each bad row of an array on its own', async () => {
    const body = JSON.stringify([
      row({ spend: '0.1', startTime: 1718035497, cache_hit: 'maybe' }),
      row({ request_id: 'fine' }),
      row({ metadata: '{"user_api_key_alias": "cut', total_tokens: -1, status: 'ok' }),
    ]);
    const events = expectPartial(await runKind(litellmSpendKind, body), 1, {
      '/0/spend': 'Send 0.1 without quotes',
      '/0/startTime': 'date-time string',
      '/0/cache_hit': 'true or false',
      '/2/metadata': 'does not parse',
      '/2/total_tokens': 'Negative',
      '/2/status': '"success" or "failure"',
    });
    expect(events[0]?.id).toBe('fine');
  });

  it('refuses a zone-less time that is not a date, and a bad offset', async () => {
    expectErrorsAt(
      await runKind(
        litellmSpendKind,
        JSON.stringify(row({ startTime: '10/06/2024 16:04', endTime: '2024-06-10T16:04:58+0200' })),
      ),
      {
        '/startTime': 'RFC 3339',
        '/endTime': 'with a colon',
      },
    );
  });

  it('stamps the receipt time when startTime is missing', async () => {
    const [event] = okEvents(
      await runKind(litellmSpendKind, JSON.stringify(row({ startTime: undefined }))),
    );
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
  });

  it('reads an offset time exactly', async () => {
    const [event] = okEvents(
      await runKind(
        litellmSpendKind,
        JSON.stringify(row({ startTime: '2024-06-10T18:04:57.512+02:00' })),
      ),
    );
    expect(event?.time).toBe(Date.UTC(2024, 5, 10, 16, 4, 57, 512));
  });
});

describe('litellm-spend: misrouted senders', () => {
  it('refuses JSON that is no spend row', async () => {
    expectErrorsAt(await runKind(litellmSpendKind, '{"event": "login"}'), {
      '': ['does not look like a LiteLLM_SpendLogs row', '"request_id"'],
    });
  });
});

describe('litellm-spend: prompt from the stored request', () => {
  it('reads the prompt from proxy_server_request when messages is {}, so keep.text can drop it', async () => {
    const body = JSON.stringify(
      row({
        proxy_server_request: {
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret plan' }] },
        },
      }),
    );
    const [event] = okEvents(await runKind(litellmSpendKind, body));
    expect(event?.text).toEqual({ prompt: 'secret plan' });
  });
});

describe('litellm-spend: client addresses', () => {
  it.each([
    ['203.0.113.9, 10.0.0.1', '203.0.113.9', 0],
    ['unknown', undefined, 0],
    ['10.0.0', undefined, 1],
  ])('reads %j as %j with %i warning(s)', async (ip, expected, warnings) => {
    const result = await runKind(
      litellmSpendKind,
      JSON.stringify(row({ requester_ip_address: ip })),
    );
    expect(okEvents(result)[0]?.entity.ip).toBe(expected);
    expect(result.ok && result.warnings).toHaveLength(warnings);
  });
});
