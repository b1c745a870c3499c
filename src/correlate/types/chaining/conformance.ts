import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND } from '../conformance-case.js';
import { LLM_DETECTIONS } from '../temporal-ordered/conformance.js';

/**
 * Chained correlations (not a type): a correlation reading another correlation's matches, which
 * enter as derived events (source `cordon`) whose event time is the inner match's last event
 * time, with its group-by values under `labels`.
 */

const HOUR = 60 * MINUTE;

const BASE_RULES = `
title: Login failure
name: login_fail
logsource: { category: login }
detection: { sel: { outcome: failure }, condition: sel }
---
title: Login failure burst
name: login_fail_burst
correlation:
  type: event_count
  rules: [login_fail]
  group-by: [region]
  timespan: 10m
  condition: { gte: 3 }
---
title: Feature drift
name: feature_drift
logsource: { category: drift }
detection: { sel: { name: feature_drift }, condition: sel }
`;

/** Drift on a segment's region and a login-failure burst from the same region within 1h. */
function outer(generate = false): string {
  return `${BASE_RULES}---
title: Drift and login failures in one region
name: drift_with_fail_burst
correlation:
  type: temporal
  rules: [feature_drift, login_fail_burst]
  group-by: [region]
  timespan: 1h
  aliases:
    region:
      feature_drift: labels.segment_region
      login_fail_burst: region
${generate ? '  generate: true\n' : ''}`;
}

const DEPTH_3 = `${BASE_RULES}---
title: Repeated login failure bursts
name: repeated_bursts
correlation:
  type: event_count
  rules: [login_fail_burst]
  group-by: [region]
  timespan: 1h
  condition: { gte: 2 }
---
title: Drift and repeated login failure bursts in one region
name: drift_with_repeated_bursts
correlation:
  type: temporal
  rules: [feature_drift, repeated_bursts]
  group-by: [region]
  timespan: 1h
  aliases:
    region:
      feature_drift: labels.segment_region
      repeated_bursts: region
`;

function fail(t: number, region: string, extra: Partial<CaseEvent> = {}): CaseEvent {
  return {
    t,
    kind: 'login',
    name: 'login',
    outcome: 'failure',
    entity: { user: 'u1', geo: { region } },
    ...extra,
  };
}

function drift(t: number, region: string): CaseEvent {
  return {
    t,
    source: 'ml',
    kind: 'drift',
    name: 'feature_drift',
    entity: { model: 'm1', feature: 'user_age' },
    labels: { segment_region: region },
  };
}

/** The LLM detections and the `until` sequence (lateness 0) that the rules below read. */
function withSequence(innerTimespan = '5m'): string {
  return `${LLM_DETECTIONS}---
title: Injection then exfiltration
name: sequence
correlation:
  type: temporal_ordered
  rules: [injection, big_response, blocked]
  group-by: [session]
  timespan: ${innerTimespan}
  condition: injection and big_response and not blocked
cordon: { lateness: 0s }
`;
}

/**
 * An `until` sequence (`sequence`, lateness 0) read by an outer rule (`session_exfiltration`):
 * a withdrawn inner match withdraws the outer one. `generate`: the outer rule makes the
 * sequence alert too; `type`, `condition`, `window` (its `cordon:` settings) and the timespans
 * shape the rules.
 */
export function withdrawable(
  generate: boolean,
  condition = '{ gte: 1 }',
  window = '',
  shape: { type?: string; innerTimespan?: string; outerTimespan?: string } = {},
): string {
  return `${withSequence(shape.innerTimespan)}---
title: Exfiltration sequence in a session
name: session_exfiltration
correlation:
  type: ${shape.type ?? 'event_count'}
  rules: [sequence]
  group-by: [session]
  timespan: ${shape.outerTimespan ?? '1h'}
  condition: ${condition}
${generate ? '  generate: true\n' : ''}${window ? `cordon: ${window}\n` : ''}`;
}

/**
 * `absence_over_sequence` over the `until` sequence (lateness 0): `trigger and not expected`,
 * the sequence on either side, a review (an LLM event labelled `review: done`) on the other,
 * within `outerTimespan` (default 30m).
 */
export function absenceOverSequence(
  sequenceIs: 'trigger' | 'expected',
  shape: { innerTimespan?: string; outerTimespan?: string } = {},
): string {
  const [trigger, expected] =
    sequenceIs === 'trigger' ? ['sequence', 'reviewed'] : ['reviewed', 'sequence'];
  return `${withSequence(shape.innerTimespan)}---
title: Review
name: reviewed
logsource: { category: llm }
detection: { sel: { labels.review: done }, condition: sel }
---
title: Absence over the sequence
name: absence_over_sequence
correlation:
  type: temporal
  rules: [${trigger}, ${expected}]
  group-by: [session]
  timespan: ${shape.outerTimespan ?? '30m'}
  condition: ${trigger} and not ${expected}
cordon: { type: absence, lateness: 0s }
`;
}

/**
 * `clean_session`: a session's start then its end with no exfiltration `sequence` between
 * them (the inner rule as an `until` step), within 30m; `cordon` settings added.
 */
export function untilOverSequence(
  cordon = '',
  shape: { innerTimespan?: string; outerTimespan?: string } = {},
): string {
  return `${withSequence(shape.innerTimespan)}---
title: Session start
name: session_start
logsource: { category: llm }
detection: { sel: { labels.phase: start }, condition: sel }
---
title: Session end
name: session_end
logsource: { category: llm }
detection: { sel: { labels.phase: end }, condition: sel }
---
title: A session with no exfiltration sequence in it
name: clean_session
correlation:
  type: temporal_ordered
  rules: [session_start, session_end, sequence]
  group-by: [session]
  timespan: ${shape.outerTimespan ?? '30m'}
  condition: session_start and session_end and not sequence
${cordon ? `cordon: ${cordon}\n` : ''}`;
}

/**
 * `new_session_for_model` (new_terms, learning 1m) over a sequence grouped by model and
 * session: a model's first exfiltration sequence from a session not seen for it within a day.
 */
const NEW_TERMS_OVER_SEQUENCE = `${LLM_DETECTIONS}---
title: Injection then exfiltration, per model
name: model_sequence
correlation:
  type: temporal_ordered
  rules: [injection, big_response, blocked]
  group-by: [model, session]
  timespan: 30m
  condition: injection and big_response and not blocked
cordon: { lateness: 0s }
---
title: A session new to a model with an exfiltration sequence
name: new_session_for_model
correlation:
  type: value_count
  rules: [model_sequence]
  group-by: [model]
  timespan: 1d
  condition: { field: session, gt: 1 }
cordon: { type: new_terms, learning: 1m }
`;

/** `e` on model `m1`. */
const onModel = (e: CaseEvent): CaseEvent => ({ ...e, entity: { ...e.entity, model: 'm1' } });

/** An exfiltration sequence of `session` ending at `minutes` (its injection 2m before). */
const sequenceAt = (minutes: number, session: string): CaseEvent[] => [
  inj((minutes - 2) * MINUTE, session),
  big(minutes * MINUTE, session),
];

function llm(t: number, session: string, extra: Partial<CaseEvent>): CaseEvent {
  return { t, kind: 'llm', name: 'chat', entity: { session }, ...extra };
}
/** A prompt-injection verdict, a big response and a guardrail block in a session. */
export const inj = (t: number, session = 's1'): CaseEvent =>
  llm(t, session, { labels: { verdict: 'injection' } });
export const big = (t: number, session = 's1'): CaseEvent =>
  llm(t, session, { measures: { tokens_out: 5000 } });
export const block = (t: number, session = 's1'): CaseEvent =>
  llm(t, session, { labels: { guardrail: 'blocked' } });
export const review = (t: number, session = 's1'): CaseEvent =>
  llm(t, session, { labels: { review: 'done' } });
export const opened = (t: number, session = 's1'): CaseEvent =>
  llm(t, session, { labels: { phase: 'start' } });
export const closed = (t: number, session = 's1'): CaseEvent =>
  llm(t, session, { labels: { phase: 'end' } });

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'the outer rule fires when the inner match and the drift meet in one region; the inner match does not alert',
    rules: outer(),
    events: [
      fail(10 * MINUTE, 'eu'),
      fail(10 * MINUTE, 'us'),
      fail(11 * MINUTE, 'eu'),
      fail(11 * MINUTE, 'us'),
      fail(12 * MINUTE, 'eu'),
      // us had two failures only; ap had no failures.
      drift(20 * MINUTE, 'us'),
      drift(20 * MINUTE, 'ap'),
      drift(20 * MINUTE, 'eu'),
    ],
    expect: [
      {
        rule: 'drift_with_fail_burst',
        group: { region: 'eu' },
        count: 2,
        first: 12 * MINUTE,
        last: 20 * MINUTE,
        windowStart: 20 * MINUTE - HOUR,
        windowEnd: 20 * MINUTE,
        late: false,
        aggregate: { rules: { feature_drift: 1, login_fail_burst: 1 } },
        at: 7,
      },
    ],
    stats: { rule: 'login_fail_burst', matches: 1 },
  },
  {
    name: 'the order does not matter: the inner match may complete the outer rule after the drift',
    rules: outer(),
    events: [
      drift(0, 'eu'),
      fail(10 * MINUTE, 'eu'),
      fail(11 * MINUTE, 'eu'),
      fail(12 * MINUTE, 'eu'),
    ],
    expect: [
      {
        rule: 'drift_with_fail_burst',
        group: { region: 'eu' },
        count: 2,
        first: 0,
        last: 12 * MINUTE,
        at: 3,
      },
    ],
  },
  {
    name: 'a chained event’s time is the inner match’s last event time, not when it fired',
    rules: outer(),
    events: [
      fail(10 * MINUTE, 'eu'),
      fail(10 * MINUTE, 'us'),
      fail(11 * MINUTE, 'eu'),
      fail(11 * MINUTE, 'us'),
      // Both bursts complete at 12m but are processed (and fire) at 12m25s.
      fail(12 * MINUTE, 'eu', { delay: 25 * SECOND }),
      fail(12 * MINUTE, 'us', { delay: 25 * SECOND }),
      // The window [12m, 1h12m] holds eu's burst at 12m; [12m10s, 1h12m10s] does not hold us's.
      drift(HOUR + 12 * MINUTE, 'eu'),
      drift(HOUR + 12 * MINUTE + 10 * SECOND, 'us'),
    ],
    expect: [
      {
        rule: 'drift_with_fail_burst',
        group: { region: 'eu' },
        count: 2,
        first: 12 * MINUTE,
        last: HOUR + 12 * MINUTE,
        windowStart: 12 * MINUTE,
        at: 6,
      },
    ],
  },
  {
    name: 'generate: true makes the referenced rules alert too (the inner match and the drift detection)',
    rules: outer(true),
    events: [
      fail(10 * MINUTE, 'eu'),
      fail(11 * MINUTE, 'eu'),
      fail(12 * MINUTE, 'eu'),
      drift(20 * MINUTE, 'eu'),
    ],
    expect: [
      {
        rule: 'login_fail_burst',
        group: { region: 'eu' },
        count: 3,
        first: 10 * MINUTE,
        last: 12 * MINUTE,
        refs: ['gw/e0', 'gw/e1', 'gw/e2'],
        aggregate: { count: 3 },
        at: 2,
      },
      {
        rule: 'feature_drift',
        group: { model: 'm1' },
        count: 1,
        first: 20 * MINUTE,
        last: 20 * MINUTE,
        refs: ['ml/e3'],
        at: 3,
      },
      {
        rule: 'drift_with_fail_burst',
        group: { region: 'eu' },
        count: 2,
        first: 12 * MINUTE,
        last: 20 * MINUTE,
        at: 3,
      },
    ],
  },
  {
    name: 'a chain of depth 3: only the outermost rule alerts, in event time all the way',
    rules: DEPTH_3,
    events: [
      // Two bursts (reset: the second needs fresh failures), at 2m and 12m.
      fail(0, 'eu'),
      fail(MINUTE, 'eu'),
      fail(2 * MINUTE, 'eu'),
      fail(10 * MINUTE, 'eu'),
      fail(11 * MINUTE, 'eu'),
      fail(12 * MINUTE, 'eu'),
      drift(20 * MINUTE, 'eu'),
    ],
    expect: [
      {
        rule: 'drift_with_repeated_bursts',
        group: { region: 'eu' },
        count: 2,
        first: 12 * MINUTE,
        last: 20 * MINUTE,
        aggregate: { rules: { feature_drift: 1, repeated_bursts: 1 } },
        at: 6,
      },
    ],
    stats: { rule: 'repeated_bursts', matches: 1 },
  },
  {
    name: 'depth 3: one burst is not enough for the middle rule, so nothing fires',
    rules: DEPTH_3,
    events: [
      fail(0, 'eu'),
      fail(MINUTE, 'eu'),
      fail(2 * MINUTE, 'eu'),
      fail(3 * MINUTE, 'eu'),
      drift(20 * MINUTE, 'eu'),
    ],
    expect: [],
    stats: { rule: 'login_fail_burst', matches: 1 },
  },
  {
    name: 'a withdrawn inner match withdraws the outer match that counted it; another session stays',
    rules: withdrawable(false),
    events: [
      inj(0, 's1'),
      inj(0, 's2'),
      big(2 * MINUTE, 's1'),
      big(2 * MINUTE, 's2'),
      // Too late to count (lateness 0), not too late to show the s1 sequence was wrong.
      block(MINUTE, 's1'),
    ],
    expect: [
      { rule: 'session_exfiltration', group: { session: 's1' }, count: 1, last: 2 * MINUTE },
      { rule: 'session_exfiltration', group: { session: 's2' }, count: 1, last: 2 * MINUTE },
    ],
    retract: [{ rule: 'session_exfiltration', matchLast: 2 * MINUTE, tooLate: false }],
    stats: { rule: 'session_exfiltration', matches: 2, retracted: 1 },
  },
  ...(
    [
      ['a sliding window', '{ gte: 2 }', ''],
      ['a sliding window decided on close', '{ gte: 2, lte: 3 }', ''],
      ['a tumbling window', '{ gte: 2 }', '{ window: tumbling }'],
      ['a session window', '{ gte: 2 }', '{ window: session, gap: 30m }'],
    ] as const
  ).map(([kind, condition, window]): ConformanceCase => ({
    name: `a withdrawn inner match no outer match counted leaves ${kind}: a later one alone does not fire`,
    rules: withdrawable(false, condition, window),
    events: [
      // s1 and s2 each have two sequences; only s1's first is withdrawn.
      inj(0, 's1'),
      inj(0, 's2'),
      big(2 * MINUTE, 's1'),
      big(2 * MINUTE, 's2'),
      block(MINUTE, 's1'), // withdraws s1's first sequence, held by the outer rule, unfired
      inj(10 * MINUTE, 's1'),
      inj(10 * MINUTE, 's2'),
      big(12 * MINUTE, 's1'),
      big(12 * MINUTE, 's2'),
      // Moves every watermark past the outer windows' close.
      inj(3 * HOUR, 's3'),
    ],
    expect: [{ rule: 'session_exfiltration', group: { session: 's2' }, count: 2 }],
    stats: { rule: 'session_exfiltration', matches: 1, retracted: 0 },
  })),
  {
    name: 'generate: true: the inner and the outer match are both withdrawn, each once',
    rules: withdrawable(true),
    events: [
      inj(0, 's1'),
      big(2 * MINUTE, 's1'),
      block(MINUTE, 's1'),
      // A second block inside the sequence withdraws nothing more.
      block(90 * SECOND, 's1'),
    ],
    expect: [
      { rule: 'sequence', group: { session: 's1' }, last: 2 * MINUTE },
      { rule: 'session_exfiltration', group: { session: 's1' }, last: 2 * MINUTE },
    ],
    retract: [
      { rule: 'sequence', matchLast: 2 * MINUTE, by: 'gw/e2', tooLate: true },
      { rule: 'session_exfiltration', matchLast: 2 * MINUTE, tooLate: false },
    ],
    stats: { rule: 'session_exfiltration', matches: 1, retracted: 1 },
  },
  {
    name: 'an absence whose trigger is a withdrawn inner match does not fire; another session’s does',
    rules: absenceOverSequence('trigger'),
    events: [
      inj(0, 's1'),
      inj(0, 's2'),
      big(2 * MINUTE, 's1'),
      big(2 * MINUTE, 's2'),
      block(MINUTE, 's1'), // withdraws s1's sequence before its absence is decided
      // Moves every watermark past both deadlines (2m + 30m).
      inj(3 * HOUR, 's3'),
    ],
    expect: [
      {
        rule: 'absence_over_sequence',
        group: { session: 's2' },
        count: 1,
        first: 2 * MINUTE,
        windowEnd: 32 * MINUTE,
      },
    ],
    stats: { rule: 'absence_over_sequence', matches: 1, retracted: 0 },
  },
  {
    name: 'a withdrawn inner match no longer counts as an absence’s expected event for a later trigger',
    rules: absenceOverSequence('expected'),
    events: [
      inj(0, 's1'),
      inj(0, 's2'),
      big(2 * MINUTE, 's1'),
      big(2 * MINUTE, 's2'),
      block(MINUTE, 's1'), // withdraws s1's sequence
      // Triggers at 90 s, arriving after each session's sequence (2m) had been seen: s2's is
      // covered by it; s1's sequence was withdrawn, so nothing covers s1's.
      review(90 * SECOND, 's1'),
      review(90 * SECOND, 's2'),
      inj(3 * HOUR, 's3'),
    ],
    expect: [
      {
        rule: 'absence_over_sequence',
        group: { session: 's1' },
        count: 1,
        first: 90 * SECOND,
        windowEnd: 90 * SECOND + 30 * MINUTE,
      },
    ],
    stats: { rule: 'absence_over_sequence', matches: 1, retracted: 0 },
  },
  {
    name: 'a trigger an inner match covered waits again once that match is withdrawn',
    rules: absenceOverSequence('expected'),
    events: [
      inj(0, 's1'),
      inj(0, 's2'),
      review(MINUTE, 's1'),
      review(MINUTE, 's2'),
      big(2 * MINUTE, 's1'), // each session's sequence covers its review
      big(2 * MINUTE, 's2'),
      block(70 * SECOND, 's1'), // withdraws s1's sequence: s1's review waits again
      inj(3 * HOUR, 's3'),
    ],
    expect: [
      {
        rule: 'absence_over_sequence',
        group: { session: 's1' },
        count: 1,
        first: MINUTE,
        windowEnd: MINUTE + 30 * MINUTE,
      },
    ],
    stats: { rule: 'absence_over_sequence', matches: 1, retracted: 0 },
  },
  {
    name: 'a sequence an inner match blocked as its `until` step completes once that match is withdrawn',
    rules: untilOverSequence(),
    events: [
      opened(0, 's1'),
      opened(0, 's2'),
      inj(MINUTE, 's1'),
      inj(MINUTE, 's2'),
      big(3 * MINUTE, 's1'), // each session's inner sequence, at 3m, between start and end
      big(3 * MINUTE, 's2'),
      closed(5 * MINUTE, 's1'),
      closed(5 * MINUTE, 's2'),
      block(2 * MINUTE, 's1'), // withdraws s1's inner sequence: s1's session was clean
    ],
    expect: [
      {
        rule: 'clean_session',
        group: { session: 's1' },
        count: 2,
        first: 0,
        last: 5 * MINUTE,
        refs: ['gw/e0', 'gw/e6'],
        at: 8,
      },
    ],
    stats: { rule: 'clean_session', matches: 1, retracted: 0 },
  },
  {
    name: 'a sequence that fired with the inner match outside its span does not fire again when it is withdrawn',
    rules: untilOverSequence('{ action: continue }'),
    events: [
      inj(0, 's1'),
      big(MINUTE, 's1'), // the inner sequence at 1m, before the session starts
      opened(2 * MINUTE, 's1'),
      closed(5 * MINUTE, 's1'), // fires: nothing between start and end
      block(30 * SECOND, 's1'), // withdraws the inner sequence
      closed(6 * MINUTE, 's1'), // continue: completes again, a repeat (suppressed)
    ],
    expect: [{ rule: 'clean_session', group: { session: 's1' }, last: 5 * MINUTE, at: 3 }],
    // The withdrawal fired nothing again: only the second end is a suppressed repeat.
    stats: { rule: 'clean_session', matches: 1, suppressed: 1 },
  },
  {
    name: 'new_terms: a withdrawn inner match no longer makes its term known, so its next occurrence is new',
    rules: NEW_TERMS_OVER_SEQUENCE,
    events: [
      // s0's sequence (at 2m) starts the model's learning.
      ...sequenceAt(2, 's0'),
      // s1's sequence at 12m: a new session for m1 (fires), withdrawn by the late block.
      ...sequenceAt(12, 's1'),
      block(11 * MINUTE, 's1'),
      // s1 again: new once more, since the withdrawn sequence never happened.
      ...sequenceAt(22, 's1'),
    ].map(onModel),
    expect: [
      { rule: 'new_session_for_model', group: { model: 'm1' }, last: 12 * MINUTE, at: 3 },
      {
        rule: 'new_session_for_model',
        group: { model: 'm1' },
        last: 22 * MINUTE,
        aggregate: { term: 's1', known: 1 },
        at: 6,
      },
    ],
    retract: [{ rule: 'new_session_for_model', matchLast: 12 * MINUTE }],
    stats: { rule: 'new_session_for_model', matches: 2, retracted: 1 },
  },
  {
    name: 'new_terms: an occurrence a withdrawn inner match kept from firing is not decided again, and stays seen',
    rules: NEW_TERMS_OVER_SEQUENCE,
    events: [
      ...sequenceAt(2, 's0'),
      ...sequenceAt(12, 's1'), // new: fires
      ...sequenceAt(22, 's1'), // known through the sequence at 12m
      block(11 * MINUTE, 's1'), // withdraws the sequence at 12m; the one at 22m stays quiet
      ...sequenceAt(32, 's1'), // known through the sequence at 22m
    ].map(onModel),
    expect: [{ rule: 'new_session_for_model', group: { model: 'm1' }, last: 12 * MINUTE, at: 3 }],
    retract: [{ rule: 'new_session_for_model', matchLast: 12 * MINUTE }],
    stats: { rule: 'new_session_for_model', matches: 1, retracted: 1 },
  },
  {
    name: 'new_terms: a withdrawn inner match whose term was seen before it changes nothing',
    rules: NEW_TERMS_OVER_SEQUENCE,
    events: [
      ...sequenceAt(2, 's0'),
      ...sequenceAt(12, 's1'), // new: fires
      ...sequenceAt(22, 's1'), // known
      block(21 * MINUTE, 's1'), // withdraws the sequence at 22m, which did not fire
      ...sequenceAt(32, 's1'), // still known through 12m
    ].map(onModel),
    expect: [{ rule: 'new_session_for_model', group: { model: 'm1' }, last: 12 * MINUTE, at: 3 }],
    stats: { rule: 'new_session_for_model', matches: 1, retracted: 0 },
  },
];
