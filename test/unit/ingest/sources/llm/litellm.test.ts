import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../src/shared/hash.js';
import {
  TIME_CLAMPED_LABEL,
  TIME_MISSING_LABEL,
} from '../../../../../src/ingest/normalizers/time-clamp.js';
import { TEXT_LIMIT } from '../../../../../src/ingest/sources/llm-common/chat-text.js';
import { RAW_LIMIT } from '../../../../../src/ingest/sources/llm-common/raw-cap.js';
import { litellmKind } from '../../../../../src/ingest/sources/litellm/index.js';
import { itIsRegistered } from '../../../../helpers/source-goldens.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  runKindOnHttpFile,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';

type Json = Record<string, unknown>;

const SUCCESS = 'samples/ingest/litellm-standard-logging-payload-success.json';
const FAILURE = 'samples/ingest/litellm-standard-logging-payload-failure.json';

function sampleObject(path: string): Json {
  return JSON.parse(fixtureBytes(path).toString('utf8')) as Json;
}

/** The success sample with some fields replaced (undefined deletes). */
function variant(changes: Json): string {
  const payload: Json = { ...sampleObject(SUCCESS), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete payload[key];
  return JSON.stringify(payload);
}

describe('litellm: registration', () => {
  itIsRegistered(litellmKind);
});

describe('litellm: the samples', () => {
  it('maps the success payload field by field', async () => {
    const result = await runKind(litellmKind, fixtureBytes(SUCCESS));
    const [event, ...more] = okEvents(result);
    expect(more).toEqual([]);
    expect(result.ok && result.warnings).toEqual([]);
    expect(event).toMatchObject({
      id: 'chatcmpl-9Zk2mQ7rT1vX4bN8cD0eF3gH5',
      time: Date.UTC(2024, 5, 10, 16, 4, 57, 512),
      kind: 'llm',
      outcome: 'success',
      entity: {
        api_key: '88d1f0c2b7e4a9f6d3c0b1a2e5f8d7c4b9a6e3f0d1c2b5a8e7f4d3c6b9a0e1f2',
        user: 'alice@example.com',
        ip: '198.51.100.23',
        model: 'gpt-4o-mini',
        model_version: 'openai/gpt-4o-mini',
        tenant: 'team-support',
      },
      measures: {
        tokens_in: 512,
        tokens_out: 187,
        tokens_total: 699,
        cost_usd: 0.00018645,
        latency_ms: 1423.487,
      },
      labels: {
        resolved_model: 'gpt-4o-mini-2024-07-18',
        trace_id: 'b3d9f0a1-2c4e-4f68-8a1b-c2d3e4f5a6b7',
      },
      text: {
        system_prompt: 'You are a support assistant.',
        prompt: 'Where is my refund for order 7781?',
        response: 'Your refund for order 7781 was issued on June 8...',
      },
    });
    // Not streamed: completionStartTime is just endTime, not a first-token time.
    expect(event?.measures).not.toHaveProperty('ttft_ms');
    expectGolden(okEvents(result), 'litellm/success.json');
  });

  it('maps the failure payload: outcome, error labels, content parts', async () => {
    const events = okEvents(await runKind(litellmKind, fixtureBytes(FAILURE)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'failure',
      severity: 'low',
      labels: {
        error_code: '429',
        error_class: 'RateLimitError',
        error_provider: 'openai',
        error_message:
          'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o-mini',
      },
      text: { prompt: 'Where is my refund for order 7781?' },
    });
    expect(events[0]?.labels).not.toHaveProperty('cache_hit');
    expect(events[0]?.text).not.toHaveProperty('response');
    expectGolden(events, 'litellm/failure.json');
  });

  it('maps a json_array flush with a retry failure and its success', async () => {
    const result = await runKind(
      litellmKind,
      fixtureBytes('samples/ingest/litellm-generic-api-json_array.json'),
    );
    const events = okEvents(result);
    expect(events.map((e) => [e.id, e.outcome])).toEqual([
      ['chatcmpl-A1b2C3d4E5f6G7h8', 'success'],
      ['9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', 'failure'],
    ]);
    // Both attempts share the trace id, so rules can tie the retry to its success.
    expect(new Set(events.map((e) => e.labels.trace_id))).toEqual(
      new Set(['0e4c2a1b-7d3f-4b59-9a6e-1f2d3c4b5a69']),
    );
    const [success, failure] = events;
    expect(success?.measures).toMatchObject({
      latency_ms: 2500,
      ttft_ms: 625,
      ratelimit_remaining_requests: 3999,
    });
    expect(success?.measures).not.toHaveProperty('ratelimit_remaining_tokens');
    expect(success?.entity).toMatchObject({ user: 'bob@example.com', tenant: 'Research' });
    expect(success?.text?.prompt).toBe(
      'user: Summarise the attached incident report.\n\nassistant: Which report do you mean?\n\nuser: INC-4411, the GPU node outage.',
    );
    expect(failure?.labels).toMatchObject({
      error_code: '529',
      error_class: 'InternalServerError',
    });
    // Failed before any token: completionStartTime = endTime is no first-token time.
    expect(failure?.measures).not.toHaveProperty('ttft_ms');
    expectGolden(events, 'litellm/json-array.json');
  });

  it.each(['application/x-ndjson', 'application/json'])(
    'maps an ndjson flush sent as %s, dropping a bad IP with a warning',
    async (contentType) => {
      const result = await runKind(
        litellmKind,
        fixtureBytes('samples/ingest/litellm-generic-api.ndjson'),
        {
          contentType,
        },
      );
      const events = okEvents(result);
      expect(events.map((e) => e.id)).toEqual(['chatcmpl-N1', 'emb-N2']);
      expect(events[0]?.entity.ip).toBe('192.0.2.10');
      expect(events[0]?.labels.cache_hit).toBe('true');
      expect(events[0]?.measures.saved_cache_cost_usd).toBe(0.000021);
      expect(events[0]?.text).toEqual({
        prompt: 'Rank these three headlines by click-through.',
        response: '2, 1, 3',
      });
      expect(events[1]?.entity).not.toHaveProperty('ip');
      expect(events[1]?.text?.prompt).toBe('headline one\n\nheadline two');
      expect(result.ok && result.warnings).toEqual([
        expect.stringMatching(
          /^\/1\/requester_ip_address: line 2: must be an IPv4 or IPv6 address.*"not-an-ip".*left out/,
        ),
      ]);
      expectGolden(events, 'litellm/ndjson.json');
    },
  );

  it('maps the recorded HTTP request (json_array of one, IP from metadata)', async () => {
    const events = okEvents(
      await runKindOnHttpFile(litellmKind, 'samples/ingest/litellm-generic-api-request.http.txt'),
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.entity).toMatchObject({
      ip: '2001:db8::17',
      user: 'carol@example.com',
      tenant: 'team-hr',
    });
    expectGolden(events, 'litellm/http-request.json');
  });
});

describe('litellm: bad bodies', () => {
  it('accepts the good line of a mixed, truncated body and refuses the others by line', async () => {
    const result = await runKind(
      litellmKind,
      fixtureBytes('samples/ingest/bad/litellm-generic-api-mixed-format.txt'),
    );
    const events = expectPartial(result, 1, {
      '/0': ['line 1: is a JSON array', 'mixes two formats', 'log_format'],
      '/2': ['line 3: is not valid JSON', 'cut off'],
    });
    expect(events[0]).toMatchObject({
      id: 'a2',
      outcome: 'failure',
      measures: { latency_ms: 200 },
    });
  });

  it('refuses each wrong-typed payload on its own, naming every bad field', async () => {
    const result = await runKind(
      litellmKind,
      fixtureBytes('samples/ingest/bad/litellm-payload-wrong-types.json'),
    );
    const events = expectPartial(result, 1, {
      '/0/prompt_tokens': ['whole number ≥ 0', 'Send 512 without quotes'],
      '/0/completion_tokens': ['got -3', 'Negative'],
      '/0/total_tokens': ['got 509.5', 'whole number'],
      '/0/startTime': ['epoch seconds', 'a date string', '.timestamp()'],
      '/0/metadata': ['must be a JSON object', 'double-encoded'],
      '/2/status': ['"success" or "failure"', 'Send "failure" in lower case'],
      '/2/model': ['must be a string', 'an array'],
      '/2/response_cost': ['cost in USD', 'Send 0.01 without quotes'],
      '/2/startTime': ['looks like epoch milliseconds', 'divide by 1,000'],
      '/2/error_information': ['must be an object', 'double-encoded'],
    });
    expect(events.map((e) => e.id)).toEqual(['good-2']);
  });

  it('refuses a single payload as a whole, with every problem', async () => {
    const result = await runKind(
      litellmKind,
      variant({ prompt_tokens: '512', requester_ip_address: 198, hidden_params: 'x' }),
    );
    expectErrorsAt(result, {
      '/prompt_tokens': 'Send 512 without quotes',
      '/requester_ip_address': 'must be a string',
      '/hidden_params': 'must be a JSON object',
    });
  });

  it.each([
    ['an empty body', '', '', 'the body is empty'],
    ['an empty array', '[]', '', 'empty array'],
    ['a number', '42', '', 'got 42 (a number)'],
    ['a cut pretty-printed document', '{\n  "id": "x",\n  "status": "succ', '', 'truncated'],
    ['a non-object item', '["x"]', '/0', 'must be a LiteLLM StandardLoggingPayload object'],
  ])('refuses %s', async (_name, body, path, phrase) => {
    expectErrorsAt(await runKind(litellmKind, body), { [path]: phrase });
  });

  it('refuses bytes that are not UTF-8', async () => {
    expectErrorsAt(await runKind(litellmKind, Buffer.from([0x5b, 0xff, 0x5d])), { '': 'UTF-8' });
  });
});

describe('litellm: times, ids and caps', () => {
  it('stamps the receipt time when startTime is missing, and says so', async () => {
    const [event] = okEvents(await runKind(litellmKind, variant({ startTime: undefined })));
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
    // Latency still comes from response_time; a first-token time needs a start.
    expect(event?.measures.latency_ms).toBe(1423.487);
  });

  it('falls back to response_time for latency when endTime is missing', async () => {
    const [event] = okEvents(await runKind(litellmKind, variant({ endTime: undefined })));
    expect(event?.measures.latency_ms).toBe(1423.487);
  });

  it('clamps a start time far in the future and warns', async () => {
    const future = SAMPLE_NOW / 1000 + 3600;
    const result = await runKind(litellmKind, variant({ startTime: future, endTime: future + 1 }));
    const [event] = okEvents(result);
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels[TIME_CLAMPED_LABEL]).toBe(new Date(future * 1000).toISOString());
    expect(result.ok && result.warnings[0]).toMatch(/^\/startTime: .*clamped/);
  });

  it('warns and leaves latency out when endTime precedes startTime', async () => {
    const result = await runKind(litellmKind, variant({ endTime: 1718035497.0 }));
    expect(okEvents(result)[0]?.measures).not.toHaveProperty('latency_ms');
    expect(result.ok && result.warnings).toEqual([
      expect.stringMatching(/^\/endTime: is 512\.301 ms before startTime/),
    ]);
  });

  it('gives a payload without id the same hash id on a resend in another key order', async () => {
    const payload = sampleObject(SUCCESS);
    delete payload.id;
    const reordered = Object.fromEntries(Object.entries(payload).reverse());
    const [a] = okEvents(await runKind(litellmKind, JSON.stringify(payload)));
    const [b] = okEvents(await runKind(litellmKind, JSON.stringify(reordered)));
    expect(a?.id).toMatch(/^litellm_[0-9a-f]{32}$/);
    expect(b?.id).toBe(a?.id);
    const [c] = okEvents(
      await runKind(litellmKind, JSON.stringify({ ...payload, prompt_tokens: 1 })),
    );
    expect(c?.id).not.toBe(a?.id);
  });

  it('caps a huge prompt, labels the cut, and trims the raw item', async () => {
    const long = 'x'.repeat(TEXT_LIMIT * 5);
    const result = await runKind(
      litellmKind,
      variant({ messages: [{ role: 'user', content: long }] }),
    );
    const [event] = okEvents(result);
    expect(event?.text?.prompt).toHaveLength(TEXT_LIMIT);
    expect(event?.labels.text_truncated).toBe('prompt');
    expect(JSON.stringify(event?.raw).length).toBeLessThan(RAW_LIMIT);
    expect((event?.raw as Json).messages).toMatch(/^\[omitted: \d+ characters\]$/);
  });

  it('never stores a raw API key: it is hashed like LiteLLM hashes keys, with a warning', async () => {
    const metadata = {
      ...(sampleObject(SUCCESS).metadata as Json),
      user_api_key_hash: 'sk-live-123',
    };
    const result = await runKind(litellmKind, variant({ metadata }));
    expect(okEvents(result)[0]?.entity.api_key).toBe(sha256Hex('sk-live-123'));
    expect(result.ok && result.warnings).toEqual([
      expect.stringMatching(/^\/metadata\/user_api_key_hash: looks like a raw API key/),
    ]);
  });

  it('infers failure from error fields when status is missing', async () => {
    const [event] = okEvents(
      await runKind(litellmKind, variant({ status: undefined, error_str: 'boom' })),
    );
    expect(event).toMatchObject({ outcome: 'failure', labels: { error_message: 'boom' } });
    const [plain] = okEvents(await runKind(litellmKind, variant({ status: undefined })));
    expect(plain?.outcome).toBe('unknown');
  });
});

describe('litellm: more field checks', () => {
  it('names nanoseconds and microseconds for what they are', async () => {
    expectErrorsAt(
      await runKind(
        litellmKind,
        variant({ startTime: 1718035497512301000, endTime: 1718035497512301 }),
      ),
      {
        '/startTime': 'looks like epoch nanoseconds',
        '/endTime': 'looks like epoch microseconds',
      },
    );
  });

  it('does not fall back to the metadata IP when the top-level one is bad', async () => {
    const result = await runKind(litellmKind, variant({ requester_ip_address: '999.1.1.1' }));
    expect(okEvents(result)[0]?.entity).not.toHaveProperty('ip');
    expect(result.ok && result.warnings).toHaveLength(1);
  });
});

describe('litellm: misrouted senders', () => {
  it('refuses JSON that is no LiteLLM payload rather than storing an empty event', async () => {
    const result = await runKind(litellmKind, '[{"alertname": "x"}, {"model": "gpt-4o"}]');
    expectPartial(result, 1, {
      '/0': ['does not look like a LiteLLM StandardLoggingPayload', '"call_type"'],
    });
  });
});

describe('litellm: failure text', () => {
  it('keeps no "response" text for a failed call, even when LiteLLM left the error there', async () => {
    const [event] = okEvents(
      await runKind(
        litellmKind,
        variant({ status: 'failure', response: 'RateLimitError: slow down' }),
      ),
    );
    expect(event?.text).toEqual({
      system_prompt: 'You are a support assistant.',
      prompt: 'Where is my refund for order 7781?',
    });
  });
});
