/**
 * A withdrawn inner match and the outer rule's windows, where the engine's batches end: a
 * driver calls advance() after each batch (live correlation) or every few seconds (replay), so
 * what an on-close window decides must not depend on whether advance() ran between the
 * watermark passing the window and the withdrawal arriving. And a rule that reads a value
 * (value_sum over the inner match's count) gets the withdrawal too, though it carries no value.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../src/correlate/engine/engine.js';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { LLM_DETECTIONS } from '../../../src/correlate/types/temporal-ordered/conformance.js';
import {
  compileRules,
  TEST_LIMITS,
  TEST_TIMING,
  toEvents,
  type CaseEvent,
} from '../../helpers/correlation-harness.js';

const MIN = 60_000;

/** An `until` sequence (2 h) read by an outer rule (10 m unless said). */
function rules(outer: string, timespan = '10m', window = ''): string {
  return `${LLM_DETECTIONS}---
title: Injection then exfiltration
name: sequence
correlation:
  type: temporal_ordered
  rules: [injection, big_response, blocked]
  group-by: [session]
  timespan: 2h
  condition: injection and big_response and not blocked
cordon: { lateness: 0s }
---
title: Exfiltration sequences in a session
name: outer
correlation:
  ${outer}
  rules: [sequence]
  group-by: [session]
  timespan: ${timespan}
${window ? `cordon: ${window}\n` : ''}`;
}

const llm = (t: number, session: string, extra: Partial<CaseEvent>): CaseEvent => ({
  t,
  kind: 'llm',
  name: 'chat',
  entity: { session },
  ...extra,
});
const inj = (t: number, s = 's1'): CaseEvent => llm(t, s, { labels: { verdict: 'injection' } });
const big = (t: number, s = 's1'): CaseEvent => llm(t, s, { measures: { tokens_out: 5000 } });
const block = (t: number, s = 's1'): CaseEvent => llm(t, s, { labels: { guardrail: 'blocked' } });

/**
 * Matches and retractions of `outer`, in order. `advanceEach`: advance() after every event (and
 * every derived event); otherwise only once all events are in.
 */
function run(yaml: string, cases: readonly CaseEvent[], advanceEach: boolean): string[] {
  const engine = new CorrelationEngine(compileRules(yaml), {
    limits: TEST_LIMITS,
    timing: TEST_TIMING,
  });
  const out: string[] = [];
  const take = (): CanonicalEvent[] => {
    const d = engine.drain();
    for (const m of d.matches)
      if (m.rule === 'outer') out.push(`match ${m.group.session} count ${m.count}`);
    for (const r of d.retractions) if (r.rule === 'outer') out.push(`retract ${r.group.session}`);
    return d.derived;
  };
  const events = toEvents(cases);
  for (const event of events) {
    const queue = [event];
    for (let e = queue.shift(); e; e = queue.shift()) {
      engine.process(e, e.received);
      if (advanceEach) engine.advance(e.received);
      queue.push(...take());
    }
  }
  const last = events[events.length - 1] as CanonicalEvent;
  engine.advance(last.received);
  take();
  engine.flush(last.received);
  take();
  return out;
}

describe('a withdrawn inner match where batches end', () => {
  // s1: two sequences (at 2 m and 6 m), one 10-minute window; s3 moves the watermark past it;
  // then a block at 1 m, too late to count, withdraws the first sequence.
  const events = [inj(0), big(2 * MIN), inj(5 * MIN), big(6 * MIN), inj(30 * MIN, 's3')];
  for (const [kind, window] of [
    ['sliding', ''],
    ['tumbling', '{ window: tumbling }'],
    ['session', '{ window: session, gap: 5m }'],
  ] as const)
    it(`an on-close ${kind} window the watermark had passed is decided with it, then withdrawn`, () => {
      const yaml = rules('type: event_count\n  condition: { gte: 2, lte: 3 }', '10m', window);
      const cases = [...events, block(MIN)];
      const each = run(yaml, cases, true);
      expect(each).toEqual(['match s1 count 2', 'retract s1']);
      expect(run(yaml, cases, false)).toEqual(each);
    });

  it('reaches a rule that reads a value, and takes the match out of its window', () => {
    const yaml = rules('type: value_sum\n  condition: { field: count, gte: 4 }', '1h');
    const cases = [inj(0), big(2 * MIN), block(MIN), inj(10 * MIN), big(12 * MIN)];
    // Two sequences of two steps each would be 4: the first was withdrawn.
    expect(run(yaml, cases, true)).toEqual([]);
    expect(run(yaml, [...cases, inj(20 * MIN), big(22 * MIN)], true)).toEqual(['match s1 count 2']);
  });
});
