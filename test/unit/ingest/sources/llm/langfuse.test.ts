import { describe, expect, it } from 'vitest';
import {
  langfuseKind,
  langfuseMultiStatus,
} from '../../../../../src/ingest/sources/langfuse/index.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
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

const SAMPLE = 'samples/ingest/langfuse-ingestion-batch.json';

function sample(): { batch: Json[]; metadata: Json } {
  return JSON.parse(fixtureBytes(SAMPLE).toString('utf8')) as { batch: Json[]; metadata: Json };
}

const [TRACE, GENERATION, SCORE, FAILED_GENERATION] = sample().batch as [Json, Json, Json, Json];

function batch(...items: unknown[]): string {
  return JSON.stringify({ batch: items, metadata: sample().metadata });
}

function item(id: string, type: string, body: Json, timestamp = '2024-06-10T16:06:00.000Z'): Json {
  return { id, timestamp, type, body };
}

describe('langfuse: registration', () => {
  itIsRegistered(langfuseKind);
});

describe('langfuse: the sample batch', () => {
  it('maps generations, the score and the trace join', async () => {
    const result = await runKind(langfuseKind, fixtureBytes(SAMPLE));
    const events = okEvents(result);
    expect(result.ok && result.warnings).toEqual([]);
    expect(events.map((e) => [e.id, e.kind, e.outcome])).toEqual([
      ['1d0f9e8a-7b6c-4d5e-8f3a-2b1c0d9e8f7a', 'llm', 'success'],
      ['2e1a0f9b-8c7d-4e6f-9a4b-3c2d1e0f9a8b', 'feedback', 'unknown'],
      ['3f2b1a0c-9d8e-4f7a-8b5c-4d3e2f1a0b9c', 'llm', 'failure'],
    ]);
    const [generation, score, failed] = events;
    expect(generation).toMatchObject({
      time: Date.UTC(2024, 5, 10, 16, 4, 57, 512),
      name: 'llm-answer',
      entity: { model: 'gpt-4o-mini', user: 'alice@example.com', session: 'sess-5f2a9c' },
      measures: {
        tokens_in: 512,
        tokens_out: 187,
        tokens_total: 699,
        cost_usd: 0.000189,
        latency_ms: 1423,
        ttft_ms: 588,
      },
      labels: {
        trace_id: 'trace-7781-refund',
        observation_id: 'gen-01HZX4Q6B1',
        prompt_version: '14',
      },
      text: {
        system_prompt: 'You are a support assistant.',
        prompt: 'Where is my refund for order 7781?',
      },
    });
    expect(score).toMatchObject({
      name: 'groundedness',
      time: Date.UTC(2024, 5, 10, 16, 5, 10, 2),
      entity: { user: 'alice@example.com', session: 'sess-5f2a9c' },
      measures: { value: 0.42 },
      labels: { observation_id: 'gen-01HZX4Q6B1', data_type: 'NUMERIC' },
    });
    // Its trace never arrived: no user or session, but the event is there.
    expect(failed).toMatchObject({
      severity: 'low',
      entity: { model: 'claude-3-5-sonnet-20240620' },
      measures: { tokens_in: 0, tokens_out: 0, tokens_total: 0, latency_ms: 389 },
      labels: { level: 'ERROR', status_message: '429 rate_limit_error' },
    });
    expect(failed?.entity).not.toHaveProperty('user');
    expectGolden(events, 'langfuse/ingestion-batch.json');
  });

  it('joins a generation listed before its trace in the same batch', async () => {
    const events = okEvents(await runKind(langfuseKind, batch(GENERATION, TRACE)));
    expect(events[0]?.entity).toMatchObject({ user: 'alice@example.com', session: 'sess-5f2a9c' });
  });

  it('joins across batches through the source memory, and updates merge into the trace', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    // A generation before any trace still makes its event, without user/session.
    const [early] = okEvents(await runKind(langfuseKind, batch(GENERATION), { memory }));
    expect(early?.entity).not.toHaveProperty('user');
    okEvents(await runKind(langfuseKind, batch(TRACE), { memory }));
    // A later upsert of the trace with only its output keeps the user and session.
    const upsert = item('trace-upsert', 'trace-create', {
      id: 'trace-7781-refund',
      output: { answer: 'done' },
    });
    okEvents(await runKind(langfuseKind, batch(upsert), { memory }));
    const [late] = okEvents(await runKind(langfuseKind, batch(SCORE), { memory }));
    expect(late?.entity).toEqual({ user: 'alice@example.com', session: 'sess-5f2a9c' });
    expect(late?.labels).toMatchObject({
      release: 'support-bot@2.8.0',
      trace_name: 'support-chat',
    });
    // Another source's memory knows nothing of it.
    const [other] = okEvents(await runKind(langfuseKind, batch(SCORE)));
    expect(other?.entity).toEqual({});
  });
});

describe('langfuse: other types', () => {
  it('maps a generation-update, event-create and span-create; skips the rest with a warning', async () => {
    const result = await runKind(
      langfuseKind,
      batch(
        item('u1', 'generation-update', {
          id: 'gen-01HZX4Q6B1',
          traceId: 'trace-9',
          endTime: '2024-06-10T16:05:59.000Z',
          output: 'Done.',
        }),
        item('e1', 'event-create', {
          id: 'obs-e1',
          traceId: 'trace-9',
          name: 'guardrail-blocked',
          level: 'WARNING',
          startTime: '2024-06-10T16:05:58.000Z',
        }),
        item('s1', 'span-create', {
          id: 'obs-s1',
          traceId: 'trace-9',
          name: 'tool:search',
          startTime: '2024-06-10T16:05:50.000Z',
          endTime: '2024-06-10T16:05:51.250Z',
          level: 'ERROR',
        }),
        item('s2', 'span-update', { id: 'obs-s1', endTime: '2024-06-10T16:05:51.250Z' }),
        item('l1', 'sdk-log', { log: 'flushed' }),
        item('a1', 'agent-create', { id: 'obs-a1' }),
        item('a2', 'agent-create', { id: 'obs-a2' }),
      ),
    );
    const events = okEvents(result);
    expect(events.map((e) => [e.id, e.kind, e.name, e.outcome, e.severity])).toEqual([
      ['u1', 'llm', 'generation', 'unknown', 'info'],
      ['e1', 'log', 'guardrail-blocked', 'success', 'info'],
      ['s1', 'log', 'tool:search', 'failure', 'low'],
    ]);
    expect(events[0]).toMatchObject({
      time: Date.UTC(2024, 5, 10, 16, 5, 59),
      text: { response: 'Done.' },
    });
    expect(events[1]?.labels.level).toBe('WARNING');
    expect(events[2]?.measures).toEqual({ latency_ms: 1250 });
    expect(result.ok && result.warnings).toEqual([
      expect.stringMatching(
        /^\/batch: 1 "span-update" event\(s\) accepted without making Cordon events: it repeats/,
      ),
      expect.stringMatching(/^\/batch: 1 "sdk-log" .*SDK/),
      expect.stringMatching(/^\/batch: 2 "agent-create" .*does not map this type/),
    ]);
  });

  it('reads legacy usage in characters as usage_*, not tokens', async () => {
    const body = {
      ...(FAILED_GENERATION.body as Json),
      level: undefined,
      usage: { input: 40, output: 10, unit: 'CHARACTERS', totalCost: 0.001 },
    };
    const [event] = okEvents(await runKind(langfuseKind, batch({ ...FAILED_GENERATION, body })));
    expect(event?.measures).toEqual({
      usage_in: 40,
      usage_out: 10,
      cost_usd: 0.001,
      latency_ms: 389,
    });
    expect(event?.labels.usage_unit).toBe('CHARACTERS');
  });

  it('maps categorical and boolean scores', async () => {
    const events = okEvents(
      await runKind(
        langfuseKind,
        batch(
          item('c1', 'score-create', {
            traceId: 't',
            name: 'tone',
            value: 'rude',
            dataType: 'CATEGORICAL',
          }),
          item('b1', 'score-create', {
            traceId: 't',
            name: 'thumbs',
            value: false,
            dataType: 'BOOLEAN',
          }),
        ),
      ),
    );
    expect(events.map((e) => [e.name, e.measures, e.labels.value])).toEqual([
      ['tone', {}, 'rude'],
      ['thumbs', { value: 0 }, undefined],
    ]);
  });
});

describe('langfuse: bad batches', () => {
  it('refuses the not-an-array sample with every problem of the lone event', async () => {
    expectErrorsAt(
      await runKind(langfuseKind, fixtureBytes('samples/ingest/bad/langfuse-batch-not-array.json')),
      {
        '/batch': ['must be an array of ingestion events', 'Wrap the event in [ ]'],
        '/batch/body/level': [
          '"DEBUG", "DEFAULT", "WARNING", "ERROR"',
          'got "FATAL"',
          'send "ERROR"',
        ],
        '/batch/body/usageDetails/input': 'Send 512 without quotes',
      },
    );
  });

  it('refuses bad items one by one and keeps the good ones', async () => {
    const badGeneration = {
      ...FAILED_GENERATION,
      body: { ...(FAILED_GENERATION.body as Json), usage: '0', level: 'error' },
    };
    const result = await runKind(
      langfuseKind,
      batch(
        TRACE,
        GENERATION,
        badGeneration,
        { id: 'x', type: 'score-create', body: { name: 'n' } },
        { ...SCORE, id: '', timestamp: '2024-06-10 16:05:10' },
        'not an event',
      ),
    );
    const events = expectPartial(result, 1, {
      '/batch/2/body/usage': 'must be a JSON object',
      '/batch/2/body/level': 'Levels are upper case: send "ERROR"',
      '/batch/3/timestamp': 'is required',
      '/batch/3/body/value': 'is required',
      '/batch/4/id': 'is required',
      '/batch/4/timestamp': 'put "T" between the date and the time',
      '/batch/5': 'must be a Langfuse ingestion event',
    });
    expect(events[0]?.id).toBe(GENERATION.id);
  });

  it.each([
    ['a JSON array', '[]', '', 'Wrap the array as {"batch": [...]}'],
    ['no batch', '{"metadata": {}}', '/batch', 'is required'],
    ['not JSON', '{"batch": [', '', 'truncated'],
  ])('refuses %s as a whole', async (_name, body, path, phrase) => {
    expectErrorsAt(await runKind(langfuseKind, body), { [path]: phrase });
  });

  it('accepts an empty batch with nothing to store', async () => {
    expect(okEvents(await runKind(langfuseKind, '{"batch": []}'))).toEqual([]);
  });
});

describe('langfuse: 207 Multi-Status', () => {
  it('lists every item of a good batch as created, trace-create included', async () => {
    const body = fixtureBytes(SAMPLE);
    const reply = langfuseMultiStatus(body, await runKind(langfuseKind, body));
    expect(reply).toEqual({
      successes: sample().batch.map((i) => ({ id: i.id, status: 201 })),
      errors: [],
    });
  });

  it('answers per item for a partial batch', async () => {
    const body = Buffer.from(
      batch(
        TRACE,
        { ...GENERATION, body: { ...(GENERATION.body as Json), level: 'FATAL' } },
        SCORE,
      ),
    );
    const reply = langfuseMultiStatus(body, await runKind(langfuseKind, body));
    expect(reply?.successes.map((s) => s.id)).toEqual([TRACE.id, SCORE.id]);
    expect(reply?.errors).toEqual([
      {
        id: GENERATION.id,
        status: 400,
        message: expect.stringContaining('/batch/1/body/level: must be one of'),
        error: 'Invalid request data',
      },
    ]);
  });

  it('answers per item when every event-making item is bad', async () => {
    const body = Buffer.from(
      batch(TRACE, { id: 'q', type: 'score-create', timestamp: 'x', body: {} }),
    );
    const result = await runKind(langfuseKind, body);
    expect(result.ok).toBe(false);
    const reply = langfuseMultiStatus(body, result);
    expect(reply?.successes).toEqual([{ id: TRACE.id, status: 201 }]);
    expect(reply?.errors.map((e) => e.id)).toEqual(['q']);
  });

  it('gives no 207 for a body refused as a whole', async () => {
    const body = fixtureBytes('samples/ingest/bad/langfuse-batch-not-array.json');
    expect(langfuseMultiStatus(body, await runKind(langfuseKind, body))).toBeUndefined();
    expect(
      langfuseMultiStatus(Buffer.from('nope'), { ok: false, errors: [{ path: '', reason: 'x' }] }),
    ).toBeUndefined();
  });
});

describe('langfuse: memory stays small', () => {
  it('keys traces by a hash and caps remembered values', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    const seen: string[] = [];
    const spy = {
      swap: (key: string, value: string, ttl: number) => {
        seen.push(key, value);
        return memory.swap(key, value, ttl);
      },
      take: (key: string) => memory.take(key),
    };
    const longId = 't'.repeat(5000);
    const trace = item('tl', 'trace-create', { id: longId, userId: 'u'.repeat(5000) });
    const score = item('sl', 'score-create', { traceId: longId, name: 'n', value: 1 });
    const [event] = okEvents(await runKind(langfuseKind, batch(trace, score), { memory: spy }));
    expect(event?.entity.user).toBe('u'.repeat(512));
    expect(Math.max(...seen.map((s) => s.length))).toBeLessThan(600);
  });
});
