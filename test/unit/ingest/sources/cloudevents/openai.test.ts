import { describe, expect, it } from 'vitest';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import { OPENAI_KIND } from '../../../../../src/ingest/sources/openai/index.js';
import { expectGolden, fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind, sentWith } from '../../../../helpers/source-fuzz.js';

const S = 'samples/ingest/';
const REQUEST = fixtureBytes(`${S}openai-chat-request.json`);
const RESPONSE = fixtureBytes(`${S}openai-chat-response.json`);
const ENVELOPE = fixtureBytes(`${S}openai-chat-envelope.json`);
const STREAM = fixtureBytes(`${S}openai-chat-stream.sse.txt`);
const BAD_TRUNCATED = fixtureBytes(`${S}bad/openai-response-missing-usage-and-truncated.json`);
const BAD_STREAM = fixtureBytes(`${S}bad/openai-stream-no-usage.sse.txt`);
const SSE = { contentType: 'text/event-stream' };

const responseJson = (): Record<string, any> => JSON.parse(RESPONSE.toString('utf8'));

describe('openai: OpenAI-style chat completion logs', () => {
  it('maps a bare response (golden)', async () => {
    const events = okEvents(await runKind(OPENAI_KIND, RESPONSE));
    expectGolden(events, 'openai/chat-response.json');
    expect(events[0]).toMatchObject({
      id: 'chatcmpl-9Zk2mQ7rT1vX4bN8cD0eF3gH5',
      kind: 'llm',
      name: 'llm.chat_completion',
      time: 1718035498000,
      outcome: 'success',
      severity: 'info',
      entity: { model: 'gpt-4o-mini-2024-07-18', model_version: 'gpt-4o-mini-2024-07-18' },
      measures: {
        tokens_in: 512,
        tokens_out: 187,
        tokens_total: 699,
        tokens_cached: 384,
        tokens_reasoning: 0,
      },
      labels: { finish_reason: 'stop', system_fingerprint: 'fp_5f1a3c9d2e' },
      text: { response: 'Your refund for order 7781 was issued on June 8...' },
    });
  });

  it('maps a bare request, without a time of its own (golden)', async () => {
    const events = okEvents(await runKind(OPENAI_KIND, REQUEST));
    expectGolden(events, 'openai/chat-request.json');
    expect(events[0]).toMatchObject({
      name: 'llm.chat_request',
      outcome: 'unknown',
      entity: { model: 'gpt-4o-mini', user: 'alice@example.com', tenant: 'acme' },
      text: {
        prompt: 'Where is my refund for order 7781?',
        system_prompt: 'You are a support assistant.',
      },
      labels: { [TIME_MISSING_LABEL]: 'true' },
    });
  });

  it('maps a request/response envelope: requested model vs resolved snapshot (golden)', async () => {
    const events = okEvents(await runKind(OPENAI_KIND, ENVELOPE));
    expectGolden(events, 'openai/chat-envelope.json');
    expect(events[0]).toMatchObject({
      entity: {
        model: 'gpt-4o-mini',
        model_version: 'gpt-4o-mini-2024-07-18',
        user: 'alice@example.com',
        api_key: 'sha256:3b1f9c0e7a',
        tenant: 'acme',
        feature: 'refund-bot',
      },
      measures: { latency_ms: 1840, tokens_in: 512 },
    });
  });

  it('reads the envelope cost in USD into measures.cost_usd, as LiteLLM response_cost', async () => {
    const envelope = JSON.parse(ENVELOPE.toString('utf8'));
    envelope.cost = 0.00042;
    const result = await runKind(OPENAI_KIND, JSON.stringify(envelope));
    expect(result.ok && result.warnings).toEqual([]);
    const [event] = okEvents(result);
    expect(event?.measures).toMatchObject({ cost_usd: 0.00042, latency_ms: 1840 });
    expect(event?.raw).not.toHaveProperty('cost');
    envelope.cost = 0;
    expect(
      okEvents(await runKind(OPENAI_KIND, JSON.stringify(envelope)))[0]?.measures,
    ).toMatchObject({ cost_usd: 0 });
    envelope.cost = null;
    expect(
      okEvents(await runKind(OPENAI_KIND, JSON.stringify(envelope)))[0]?.measures,
    ).not.toHaveProperty('cost_usd');
  });

  it('keeps the call of a bad envelope cost, without a cost, and says why at its location', async () => {
    const envelope = JSON.parse(ENVELOPE.toString('utf8'));
    for (const [cost, phrase] of [
      ['0.5', 'Send 0.5 without quotes'],
      [-1, 'a number ≥ 0'],
      [{ usd: 1 }, 'the cost of the call in USD'],
    ] as const) {
      envelope.cost = cost;
      const result = await runKind(OPENAI_KIND, JSON.stringify(envelope));
      const [event] = okEvents(result);
      expect(event?.measures).not.toHaveProperty('cost_usd');
      expect(event?.measures).toMatchObject({ latency_ms: 1840 });
      const warnings = result.ok ? result.warnings : [];
      expect(warnings.some((w) => w.includes('/cost') && w.includes(phrase))).toBe(true);
    }
  });

  it('keeps prompt and completion text out of raw and labels (they live in text only)', async () => {
    const [event] = okEvents(await runKind(OPENAI_KIND, ENVELOPE));
    const elsewhere = JSON.stringify({ raw: event?.raw, labels: event?.labels });
    expect(elsewhere).not.toContain('refund for order 7781');
    expect(elsewhere).not.toContain('support assistant');
    expect(elsewhere).toContain('[moved to text]');
  });

  it('assembles an SSE stream, usage from its last chunk (golden)', async () => {
    const events = okEvents(await runKind(OPENAI_KIND, STREAM, SSE));
    expectGolden(events, 'openai/chat-stream.json');
    expect(events[0]).toMatchObject({
      id: 'chatcmpl-9Zk3aB4cD5eF6gH7iJ8kL9mN0',
      time: 1718035512000,
      text: { response: 'Your refund was issued on June 8.' },
      measures: { tokens_in: 498, tokens_out: 9, tokens_total: 507 },
      labels: { finish_reason: 'stop', stream: 'true' },
    });
  });

  it('warns "no usage" for a complete stream without usage, and about a missing [DONE]', async () => {
    const body = STREAM.toString('utf8')
      .split('\n\n')
      .filter((event) => !event.includes('"usage":{') && !event.includes('[DONE]'))
      .join('\n\n');
    const result = await runKind(OPENAI_KIND, body, SSE);
    const [event] = okEvents(result);
    expect(event?.measures.tokens_in).toBeUndefined();
    const warnings = result.ok ? result.warnings.join('\n') : '';
    expect(warnings).toContain('no usage');
    expect(warnings).toContain('[DONE]');
  });

  it('reads a stream mislabelled as JSON, with a warning', async () => {
    const result = await runKind(OPENAI_KIND, STREAM, { contentType: 'application/json' });
    expect(okEvents(result)[0]?.text?.response).toBe('Your refund was issued on June 8.');
    expect(result.ok && result.warnings.join()).toContain('read as text/event-stream');
  });

  it('refuses the cut stream sample at the cut chunk', async () => {
    expectErrorsAt(await runKind(OPENAI_KIND, BAD_STREAM, SSE), {
      '/4': ['line 5', 'not a complete JSON chunk', 'cut'],
    });
  });

  it('refuses the truncated response sample as truncated JSON', async () => {
    expectErrorsAt(await runKind(OPENAI_KIND, BAD_TRUNCATED), {
      '': ['not valid JSON', 'truncated'],
    });
  });

  it('refuses an ISO or millisecond created with the seconds to send; warns on missing usage', async () => {
    const iso = responseJson();
    iso.created = '2024-06-10T16:04:58Z';
    delete iso.usage;
    expectErrorsAt(await runKind(OPENAI_KIND, JSON.stringify(iso)), {
      '/created': ['epoch seconds', 'Send 1718035498'],
    });
    const ms = responseJson();
    ms.created = 1718035498441;
    expectErrorsAt(await runKind(OPENAI_KIND, JSON.stringify(ms)), {
      '/created': ['milliseconds', 'Send 1718035498'],
    });
    const noUsage = responseJson();
    delete noUsage.usage;
    const result = await runKind(OPENAI_KIND, JSON.stringify(noUsage));
    expect(okEvents(result)[0]?.measures).toEqual({});
    expect(result.ok && result.warnings.join()).toContain('no token counts');
  });

  it('flags content_filter: label and severity medium', async () => {
    const filtered = responseJson();
    filtered.choices[0].finish_reason = 'content_filter';
    filtered.choices[0].message.content = null;
    const [event] = okEvents(await runKind(OPENAI_KIND, JSON.stringify(filtered)));
    expect(event?.severity).toBe('medium');
    expect(event?.labels.content_filtered).toBe('true');
    expect(event?.text).toBeUndefined();
  });

  it('maps a logged API error as a failure', async () => {
    const body = JSON.stringify({
      request: JSON.parse(REQUEST.toString('utf8')),
      response: {
        error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
      },
    });
    const [event] = okEvents(await runKind(OPENAI_KIND, body));
    expect(event).toMatchObject({
      outcome: 'failure',
      severity: 'low',
      labels: { error_code: 'rate_limit_exceeded', error_type: 'requests' },
    });
  });

  it('locates bad usage counts and envelope fields, and refuses a raw secret key', async () => {
    const envelope = JSON.parse(ENVELOPE.toString('utf8'));
    envelope.response.usage.prompt_tokens = '512';
    envelope.response.usage.completion_tokens_details.reasoning_tokens = -1;
    envelope.latency_ms = '1840';
    envelope.api_key_hash = 'sk-proj-abcdefghijklmnopqrstuvwxyz';
    expectErrorsAt(await runKind(OPENAI_KIND, JSON.stringify(envelope)), {
      '/response/usage/prompt_tokens': ['token count', 'without quotes'],
      '/response/usage/completion_tokens_details/reasoning_tokens': 'token count',
      '/latency_ms': 'milliseconds',
      '/api_key_hash': 'secret API key',
    });
  });

  it('accepts NDJSON and arrays in part: a bad call is refused alone', async () => {
    const bad = responseJson();
    bad.choices = 'none';
    const ndjson = [RESPONSE, REQUEST]
      .map((b) => JSON.stringify(JSON.parse(b.toString())))
      .join('\n');
    expect(
      okEvents(await runKind(OPENAI_KIND, ndjson, { contentType: 'application/x-ndjson' })),
    ).toHaveLength(2);
    const result = await runKind(OPENAI_KIND, JSON.stringify([responseJson(), bad]));
    expectPartial(result, 1, { '/1/choices': 'array of choices' });
  });

  it('refuses a lone stream chunk sent as JSON, saying to send the stream', async () => {
    const chunk = STREAM.toString('utf8').split('\n')[0]?.slice('data: '.length) ?? '';
    expectErrorsAt(await runKind(OPENAI_KIND, chunk), { '/object': 'text/event-stream' });
  });

  it('dedupes: the same response twice gets the same id; a request without id hashes stably', async () => {
    const [a] = okEvents(await runKind(OPENAI_KIND, REQUEST));
    const [b] = okEvents(
      await runKind(OPENAI_KIND, JSON.stringify(JSON.parse(REQUEST.toString()))),
    );
    expect(a?.id).toBe(b?.id);
    expect(a?.id).toMatch(/^openai_[0-9a-f]{32}$/);
  });

  it('never throws or hangs on random bytes, random JSON or cut samples', async () => {
    await fuzzKind(OPENAI_KIND, [REQUEST, RESPONSE, ENVELOPE, STREAM, BAD_STREAM], {
      run: sentWith([{}], ['application/json', 'application/x-ndjson', 'text/event-stream']),
    });
  });
});
