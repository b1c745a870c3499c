/**
 * What an operator scrapes and reads: /metrics from the first second (every declared family,
 * counters at zero, backlog gauges, runtime metrics), histograms filled by an ingest and a
 * contained incident, and an OpenAPI document that names and describes every operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  inferenceEvents,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon();
});
afterAll(async () => {
  await t.stop();
});

async function scrape(): Promise<string> {
  const res = await t.call('GET', '/metrics', TOKENS.analyst);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.body;
}

/** The value of one exact series line (`name{labels}`), or undefined when it is absent. */
function series(text: string, selector: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${selector} `));
  return line === undefined ? undefined : Number(line.slice(selector.length + 1));
}

describe('GET /metrics', () => {
  it('lists the declared counters at zero, the backlog gauges and runtime metrics before anything happens', async () => {
    const text = await scrape();
    for (const zero of [
      'cordon_ingest_events_total{source="events"}',
      'cordon_ingest_duplicates_total{source="alertmanager"}',
      'cordon_ingest_rejected_total{source="splunk",reason="validate"}',
      'cordon_ingest_rejected_items_total{source="splunk"}',
      'cordon_incidents_opened_total{rule="model_extraction_by_query_volume"}',
      'cordon_incidents_not_contained_total{rule="model_extraction_by_query_volume"}',
      'cordon_limiter_decisions_total{decision="throttle"}',
      'cordon_correlator_events_total',
      'cordon_correlator_lag_entries',
      'cordon_incidents_open',
      'cordon_approvals_pending',
      'cordon_approvals_oldest_pending_age_seconds',
      'cordon_queue_jobs{queue="actions",state="waiting"}',
      'cordon_queue_jobs{queue="runs",state="failed"}',
      'cordon_metrics_collect_failures_total{collector="backlog",reason="timeout"}',
      'cordon_runs_active{status="waiting"}',
      'cordon_runs_active{status="undoing"}',
      'cordon_runs_ended_total{playbook="contain-abusive-key",status="resolved"}',
      'cordon_runs_ended_total{playbook="contain-abusive-key",status="failed"}',
      'cordon_undos_total{playbook="contain-abusive-key",outcome="succeeded"}',
      'cordon_undos_total{playbook="contain-abusive-key",outcome="failed"}',
    ])
      expect(series(text, zero), zero).toBe(0);
    for (const histogram of [
      'cordon_ingest_accept_seconds',
      'cordon_accept_to_first_action_seconds',
      'cordon_http_request_duration_seconds',
      'cordon_playbook_step_seconds',
    ])
      expect(text).toContain(`# TYPE ${histogram} histogram`);
    for (const runtime of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(series(text, runtime), runtime).toBeGreaterThanOrEqual(0);
  });

  it('observes accept latency and accept → first action for a contained incident; the gauges count the backlog', async () => {
    const key = 'key-observed';
    const res = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      inferenceEvents(key, 101, Date.now() - 30_000),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(res.statusCode, res.body).toBe(202);

    // The shipped playbook throttles at once, then waits for an approver.
    const text = await eventually(async () => {
      const now = await scrape();
      return series(now, 'cordon_approvals_pending') === 1 &&
        series(
          now,
          'cordon_accept_to_first_action_seconds_count{playbook="contain-abusive-key"}',
        ) === 1
        ? now
        : undefined;
    }, 'the throttle action and the pending approval');

    expect(series(text, 'cordon_ingest_accept_seconds_count{source="events"}')).toBe(1);
    expect(series(text, 'cordon_ingest_events_total{source="events"}')).toBe(101);
    expect(series(text, 'cordon_incidents_open')).toBe(1);
    expect(
      series(text, 'cordon_incidents_opened_total{rule="model_extraction_by_query_volume"}'),
    ).toBe(1);
    // The first action completes after its event was accepted, and this test took seconds at most.
    const firstAction = series(
      text,
      'cordon_accept_to_first_action_seconds_sum{playbook="contain-abusive-key"}',
    );
    expect(firstAction).toBeGreaterThan(0);
    expect(firstAction).toBeLessThan(60);
    expect(
      series(
        text,
        'cordon_http_request_duration_seconds_count{method="POST",route="/v1/ingest/:source",status_code="202"}',
      ),
    ).toBe(1);

    // The incident keeps when its opening event was accepted.
    const list = await t.call('GET', '/v1/incidents', TOKENS.analyst);
    const [incident] = list.json().incidents as Record<string, any>[];
    expect(incident?.acceptedAt).toBeGreaterThan(0);

    const aged = await eventually(async () => {
      const age = series(await scrape(), 'cordon_approvals_oldest_pending_age_seconds') ?? 0;
      return age > 0 ? age : undefined;
    }, 'a pending approval with an age');
    expect(aged).toBeLessThan(60);

    // Runs by state and step latency: the run rests at its approval after one action step.
    const waiting = await scrape();
    expect(series(waiting, 'cordon_runs_active{status="waiting"}')).toBe(1);
    expect(series(waiting, 'cordon_playbook_step_seconds_count{kind="action"}')).toBe(1);
    const pending = await t.call('GET', '/v1/approvals?status=pending', TOKENS.analyst);
    const [approval] = pending.json().approvals as { id: string }[];
    const approved = await t.call(
      'POST',
      `/v1/approvals/${approval?.id ?? ''}/approve`,
      TOKENS.approver,
      { comment: 'observed' },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    const ended = await eventually(async () => {
      const now = await scrape();
      return series(
        now,
        'cordon_runs_ended_total{playbook="contain-abusive-key",status="resolved"}',
      ) === 1
        ? now
        : undefined;
    }, 'the run to end resolved');
    expect(series(ended, 'cordon_runs_active{status="waiting"}')).toBe(0);
    expect(series(ended, 'cordon_playbook_step_seconds_count{kind="approval"}')).toBe(1);
    expect(series(ended, 'cordon_playbook_step_seconds_sum{kind="approval"}')).toBeGreaterThan(0);
  });
});

describe('the OpenAPI document', () => {
  type Operation = {
    operationId?: string;
    summary?: string;
    security?: unknown[];
    responses: Record<string, { description?: string }>;
  };

  async function documentOf(): Promise<{
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  }> {
    const res = await t.call('GET', '/docs/openapi.json', undefined);
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  it('names and describes every operation and every response', async () => {
    const doc = await documentOf();
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(19);
    const ids = operations.map(({ op }) => op.operationId);
    expect(
      ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)),
      String(ids),
    ).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { at, op } of operations) {
      expect(op.summary, at).toBeTruthy();
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.description, `${at} ${status}`).toBeTruthy();
        expect(response.description, `${at} ${status}`).not.toBe('Default Response');
      }
    }
  });

  it('refers to named schemas', async () => {
    const doc = await documentOf();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Error',
        'Incident',
        'IncidentDetail',
        'Run',
        'RunDetail',
        'Approval',
        'Case',
        'DeadLetter',
        'DeadLetterDetail',
        'LimiterDecision',
      ]),
    );
    expect(Object.keys(doc.components.schemas).filter((n) => n.startsWith('def-'))).toEqual([]);
    const incident = doc.paths['/v1/incidents/{id}']?.get;
    expect(JSON.stringify(incident?.responses['200'])).toContain(
      '#/components/schemas/IncidentDetail',
    );
    expect(JSON.stringify(incident?.responses['404'])).toContain('#/components/schemas/Error');
  });

  it('marks the public probes as needing no token, and everything else as needing one', async () => {
    const doc = await documentOf();
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/readyz']?.get?.security).toEqual([]);
    expect(doc.paths['/metrics']?.get?.security).toBeUndefined();
    expect((await t.call('GET', '/healthz', undefined)).statusCode).toBe(200);
    expect((await t.call('GET', '/metrics', undefined)).statusCode).toBe(401);
  });
});
