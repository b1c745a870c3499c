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
import {
  absenceOverSequence,
  big,
  block,
  closed,
  inj,
  opened,
  review,
  untilOverSequence,
  withdrawable,
} from '../../../src/correlate/types/chaining/conformance.js';
import {
  compileRules,
  TEST_LIMITS,
  TEST_TIMING,
  toEvents,
  type CaseEvent,
} from '../../helpers/correlation-harness.js';

const MIN = 60_000;

/** The conformance cases' `until` sequence (here 2 h long) read by an outer rule. */
const rules = (condition: string, window = '', type = 'event_count', outer = '10m'): string =>
  withdrawable(false, condition, window, { type, innerTimespan: '2h', outerTimespan: outer });

/**
 * Matches and retractions of the outer rule, in order. `advanceEach`: advance() after every event (and
 * every derived event); otherwise only once all events are in.
 */
function run(
  yaml: string,
  cases: readonly CaseEvent[],
  advanceEach: boolean,
  outer = 'session_exfiltration',
  maxEventsPerGroup = TEST_LIMITS.maxEventsPerGroup,
): string[] {
  const engine = new CorrelationEngine(compileRules(yaml), {
    limits: { ...TEST_LIMITS, maxEventsPerGroup },
    timing: TEST_TIMING,
  });
  const out: string[] = [];
  const take = (): CanonicalEvent[] => {
    const d = engine.drain();
    for (const m of d.matches)
      if (m.rule === outer)
        out.push(`match ${m.group.session} count ${m.count}${m.partial ? ' partial' : ''}`);
    for (const r of d.retractions) if (r.rule === outer) out.push(`retract ${r.group.session}`);
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
      const yaml = rules('{ gte: 2, lte: 3 }', window);
      const cases = [...events, block(MIN)];
      const each = run(yaml, cases, true);
      expect(each).toEqual(['match s1 count 2', 'retract s1']);
      expect(run(yaml, cases, false)).toEqual(each);
    });

  it('reaches a rule that reads a value, and takes the match out of its window', () => {
    const yaml = rules('{ field: count, gte: 4 }', '', 'value_sum', '1h');
    const cases = [inj(0), big(2 * MIN), block(MIN), inj(10 * MIN), big(12 * MIN)];
    // Two sequences of two steps each would be 4: the first was withdrawn.
    expect(run(yaml, cases, true)).toEqual([]);
    expect(run(yaml, [...cases, inj(20 * MIN), big(22 * MIN)], true)).toEqual(['match s1 count 2']);
  });
});

describe('a withdrawn inner match an absence reads, where batches end', () => {
  const shape = { innerTimespan: '2h', outerTimespan: '10m' };
  const outer = 'absence_over_sequence';

  it('a trigger whose deadline had passed is decided with it, then withdrawn', () => {
    const yaml = absenceOverSequence('trigger', shape);
    // The sequence at 2 m waits 10 m for a review; s3 moves the watermark past 12 m; then a
    // block at 1 m, too late to count, withdraws the sequence.
    const cases = [inj(0), big(2 * MIN), inj(30 * MIN, 's3'), block(MIN)];
    const each = run(yaml, cases, true, outer);
    expect(each).toEqual(['match s1 count 1', 'retract s1']);
    expect(run(yaml, cases, false, outer)).toEqual(each);
  });

  it('a trigger still waiting is no longer waited on', () => {
    const yaml = absenceOverSequence('trigger', shape);
    const cases = [inj(0), big(2 * MIN), block(MIN), inj(30 * MIN, 's3')];
    expect(run(yaml, cases, true, outer)).toEqual([]);
    expect(run(yaml, cases, false, outer)).toEqual([]);
  });

  it('an expected event withdrawn covers no trigger any more, before or after it', () => {
    const yaml = absenceOverSequence('expected', shape);
    // A review at 1 m, cleared by the sequence at 2 m on arrival, waits again once a block at
    // 70 s (too late to count) withdraws the sequence; one at 90 s arriving after that waits.
    const before = [inj(0), review(MIN), big(2 * MIN), block(70_000), inj(30 * MIN, 's3')];
    const after = [inj(0), big(2 * MIN), block(70_000), review(90_000), inj(30 * MIN, 's3')];
    for (const cases of [before, after]) {
      expect(run(yaml, cases, true, outer)).toEqual(['match s1 count 1']);
      expect(run(yaml, cases, false, outer)).toEqual(['match s1 count 1']);
    }
    // Without the block, the sequence covers both.
    expect(
      run(
        yaml,
        before.filter((e) => e.labels?.guardrail === undefined),
        true,
        outer,
      ),
    ).toEqual([]);
  });
});

describe('an absence over inner matches, where sweeps run', () => {
  const outer = 'absence_over_sequence';

  it('an inner match that can no longer be withdrawn still covers what another one covered', () => {
    const yaml = absenceOverSequence('expected');
    // The review at 70 s is covered by the sequence [95 s, 100 s], then also by [80 s, 90 s],
    // which arrives after it; s3 moves the watermark on; a block at 97 s withdraws only the
    // first. The second still covers the review, whether or not a sweep ran in between.
    const cases = [
      review(70_000),
      inj(95_000),
      big(100_000),
      inj(80_000),
      big(90_000),
      inj(421_000, 's3'),
      block(97_000),
    ];
    expect(run(yaml, cases, true, outer)).toEqual([]);
    expect(run(yaml, cases, false, outer)).toEqual([]);
  });

  it('a withdrawal two levels down reaches an absence whatever sweeps ran', () => {
    // The absence reads `burst`, which counts the sequence (1 h long): a block withdraws the
    // sequence, then the burst, which covered the review; the review's deadline has passed.
    const yaml = `${absenceOverSequence('expected', { innerTimespan: '1h' })
      .replace('rules: [reviewed, sequence]', 'rules: [reviewed, burst]')
      .replace('condition: reviewed and not sequence', 'condition: reviewed and not burst')}---
title: A sequence in a session
name: burst
correlation:
  type: event_count
  rules: [sequence]
  group-by: [session]
  timespan: 1m
  condition: { gte: 1 }
cordon: { lateness: 0s }
`;
    const cases = [inj(0), review(MIN), big(2 * MIN), inj(40 * MIN, 's3'), block(MIN)];
    expect(run(yaml, cases, true, outer)).toEqual(['match s1 count 1']);
    expect(run(yaml, cases, false, outer)).toEqual(['match s1 count 1']);
    expect(run(yaml, cases.slice(0, -1), true, outer)).toEqual([]);
  });

  it('a trigger placed again after its deadline passed fires once, at the next close', () => {
    const yaml = absenceOverSequence('expected', { innerTimespan: '2h', outerTimespan: '10m' });
    // The review at 1 m (deadline 11 m) is covered; s3 moves the watermark to ~30 m; then the
    // sequence is withdrawn.
    const cases = [inj(0), review(MIN), big(2 * MIN), inj(30 * MIN, 's3'), block(70_000)];
    expect(run(yaml, cases, true, outer)).toEqual(['match s1 count 1']);
    expect(run(yaml, cases, false, outer)).toEqual(['match s1 count 1']);
  });

  it('triggers placed again keep to the per-group cap, as if the inner match had never come', () => {
    const yaml = absenceOverSequence('expected');
    // Two reviews the sequence at 2 m covers, two after it; a cap of 2 events per group.
    const end = inj(180 * MIN, 's3');
    const covered = [review(60_000), review(75_000)];
    const after = [review(3 * MIN), review(210_000)];
    const withdrawn = [inj(0), ...covered, big(2 * MIN), ...after, block(MIN), end];
    const never = [...covered, ...after, end];
    const fired = run(yaml, never, true, outer, 2);
    expect(fired).toEqual(['match s1 count 1', 'match s1 count 1']);
    expect(run(yaml, withdrawn, true, outer, 2)).toEqual(fired);
    expect(run(yaml, withdrawn, false, outer, 2)).toEqual(fired);
  });
});

describe('a withdrawn inner match a sequence read as its until step, where batches end', () => {
  it('the sequence it blocked completes when the withdrawal arrives, whenever advance() runs', () => {
    const yaml = untilOverSequence();
    // Start, the inner sequence at 3 m, end at 5 m (blocked); a block at 2 m withdraws it.
    const cases = [opened(0), inj(MIN), big(3 * MIN), closed(5 * MIN), block(2 * MIN)];
    const each = run(yaml, cases, true, 'clean_session');
    expect(each).toEqual(['match s1 count 2']);
    expect(run(yaml, cases, false, 'clean_session')).toEqual(each);
    expect(run(yaml, cases.slice(0, -1), true, 'clean_session')).toEqual([]);
  });

  it('the blocked window keeps its events for as long as the inner match can be withdrawn', () => {
    // A 5-minute session blocked at 3 m; s3 moves the watermark far past the window before
    // a block withdraws the 2-hour inner sequence: a sweep between must not lose the window.
    const yaml = untilOverSequence('', { innerTimespan: '2h', outerTimespan: '5m' });
    const cases = [
      opened(0),
      inj(MIN),
      big(3 * MIN),
      closed(4 * MIN),
      inj(30 * MIN, 's3'),
      block(2 * MIN),
    ];
    expect(run(yaml, cases, true, 'clean_session')).toEqual(['match s1 count 2']);
    expect(run(yaml, cases, false, 'clean_session')).toEqual(['match s1 count 2']);
  });

  it('events kept only for a late withdrawal do not make a match partial at the cap', () => {
    const yaml = untilOverSequence('', { innerTimespan: '2h', outerTimespan: '5m' });
    const starts = [0, 10, 20, 30, 40].map((m) => opened(m * MIN));
    const cases = [...starts, closed(41 * MIN)];
    expect(run(yaml, cases, true, 'clean_session', 4)).toEqual(['match s1 count 2']);
    // A cap the window itself overflows still says so.
    const crowded = [
      opened(40 * MIN),
      opened(40 * MIN + 1),
      opened(40 * MIN + 2),
      closed(41 * MIN),
    ];
    expect(run(yaml, crowded, true, 'clean_session', 2)).toEqual(['match s1 count 2 partial']);
    // So does one a late event (within the 5m lateness) could still have needed.
    const late = [21, 20, 29, 29.5].map((m) => opened(m * MIN));
    expect(
      run(yaml, [...late, closed(24 * MIN), closed(31 * MIN)], true, 'clean_session', 3),
    ).toEqual(['match s1 count 2 partial']);
  });
});
