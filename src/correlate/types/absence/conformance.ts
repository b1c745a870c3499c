import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND } from '../conformance-case.js';

const T = 5 * MINUTE;

const RULES = `
title: Key created
name: key_created
logsource: { category: audit }
detection: { sel: { name: key_created }, condition: sel }
---
title: Key approved
name: key_approved
logsource: { category: audit }
detection: { sel: { name: key_approved }, condition: sel }
`;

/** A key created and not approved within 5 minutes, per user. */
function rule(cordon = 'lateness: 0s'): string {
  return `${RULES}---
title: Key created without approval
name: unapproved_key
correlation:
  type: temporal
  rules: [key_created, key_approved]
  group-by: [user]
  timespan: 5m
  condition: key_created and not key_approved
cordon: { type: absence${cordon ? `, ${cordon}` : ''} }
`;
}

function created(t: number, user = 'u1', extra: Partial<CaseEvent> = {}): CaseEvent {
  return { t, kind: 'audit', name: 'key_created', entity: { user }, ...extra };
}

function approved(t: number, user = 'u1', extra: Partial<CaseEvent> = {}): CaseEvent {
  return { t, kind: 'audit', name: 'key_approved', entity: { user }, ...extra };
}

/** An event no rule reads: it only moves its source's watermark on (to t − 30 s). */
function tick(t: number, source = 'gw'): CaseEvent {
  return { t, source, kind: 'inference', name: 'request', entity: { api_key: 'k9' } };
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'fires once the watermark passes t_trigger + T + L, not before',
    rules: rule(),
    events: [
      created(0),
      // Watermark 5m29s − 30s: the deadline (5m) is not reached.
      tick(T + 29 * SECOND),
      // Watermark exactly 5m: an event at 5m is not too late yet, so it may still come.
      tick(T + 30 * SECOND),
      // Watermark 5m + 1 ms: passed.
      tick(T + 30 * SECOND + 1),
    ],
    expect: [
      {
        rule: 'unapproved_key',
        group: { user: 'u1' },
        count: 1,
        first: 0,
        last: 0,
        windowStart: 0,
        windowEnd: T,
        late: false,
        refs: ['gw/e0'],
        aggregate: { missing: 'key_approved', withinMs: T },
        at: 3,
      },
    ],
  },
  {
    name: 'an expected event at exactly t + T, arriving when the watermark is exactly at the deadline, still cancels',
    rules: rule(),
    events: [
      created(0),
      tick(T + 30 * SECOND),
      // Not too late: 5m is not behind the watermark (5m) minus the lateness (0).
      approved(T, 'u1', { delay: 31 * SECOND }),
      tick(20 * MINUTE),
    ],
    expect: [],
    stats: { rule: 'unapproved_key', lateDropped: 0, matches: 0 },
  },
  {
    name: 'the allowed lateness is part of the deadline',
    rules: rule('lateness: 2m'),
    events: [
      created(0),
      tick(T + 2 * MINUTE + 30 * SECOND),
      tick(T + 2 * MINUTE + 30 * SECOND + 1),
    ],
    expect: [{ rule: 'unapproved_key', first: 0, last: 0, windowEnd: T, at: 2 }],
  },
  {
    name: 'waits for every source feeding the rule, the slowest included',
    rules: rule(),
    events: [
      created(0, 'u1', { source: 'iam' }),
      // The approvals source feeds the rule (an approval before the trigger does not count, even
      // when it arrives after it). Its events arrive 2 minutes late, so while it is silent its
      // watermark follows the clock 2m30s behind.
      approved(-MINUTE, 'u1', { source: 'approvals', delay: 2 * MINUTE }),
      // iam is past the deadline (5m); approvals at 6m − 2m30s = 3m30s.
      tick(6 * MINUTE, 'iam'),
      // Approvals at 5m: not past the deadline yet.
      tick(7 * MINUTE + 30 * SECOND, 'iam'),
      // Approvals at 5m + 1 ms.
      tick(7 * MINUTE + 30 * SECOND + 1, 'iam'),
    ],
    expect: [
      {
        rule: 'unapproved_key',
        group: { user: 'u1' },
        first: 0,
        windowEnd: T,
        refs: ['iam/e0'],
        at: 4,
      },
    ],
  },
  {
    name: 'an expected event within [t, t + T] cancels; the window is inclusive at both ends',
    rules: rule(),
    events: [
      created(0, 'u1'),
      created(0, 'u2'),
      created(0, 'u3'),
      approved(3 * MINUTE, 'u1'),
      approved(T, 'u2'),
      approved(T + 1, 'u3'),
      tick(20 * MINUTE),
    ],
    expect: [{ rule: 'unapproved_key', group: { user: 'u3' }, first: 0, at: 6 }],
  },
  {
    name: 'an expected event before the trigger does not count; one at the trigger’s own time does',
    rules: rule(),
    events: [
      approved(0, 'u1'),
      approved(MINUTE, 'u2'),
      created(MINUTE - 1, 'u1'),
      created(MINUTE, 'u2'),
      tick(20 * MINUTE),
    ],
    expect: [{ rule: 'unapproved_key', group: { user: 'u1' }, first: MINUTE - 1, at: 4 }],
  },
  {
    name: 'an expected event arriving late, before the deadline has passed, cancels',
    rules: rule('lateness: 2m'),
    events: [
      created(0, 'u1'),
      created(0, 'u2'),
      tick(5 * MINUTE + 20 * SECOND),
      // 4m is behind the watermark (4m50s) but within the 2m lateness: it still counts.
      approved(4 * MINUTE, 'u1', { delay: 90 * SECOND }),
      tick(20 * MINUTE),
    ],
    expect: [{ rule: 'unapproved_key', group: { user: 'u2' }, first: 0, at: 4 }],
    stats: { rule: 'unapproved_key', late: 1, lateDropped: 0 },
  },
  {
    name: 'each trigger is its own match; an expected event cancels only the triggers it follows within T',
    rules: rule(),
    events: [
      created(0),
      created(MINUTE),
      created(2 * MINUTE),
      approved(5 * MINUTE + 30 * SECOND),
      tick(20 * MINUTE),
    ],
    expect: [
      {
        rule: 'unapproved_key',
        group: { user: 'u1' },
        first: 0,
        last: 0,
        windowEnd: T,
        refs: ['gw/e0'],
        at: 4,
      },
    ],
  },
  {
    name: 'triggers without any expected event each fire, at their own deadlines',
    rules: rule(),
    events: [created(0), created(MINUTE), tick(T + 31 * SECOND), tick(T + MINUTE + 31 * SECOND)],
    expect: [
      { rule: 'unapproved_key', first: 0, last: 0, refs: ['gw/e0'], at: 2 },
      { rule: 'unapproved_key', first: MINUTE, last: MINUTE, refs: ['gw/e1'], at: 3 },
    ],
  },
  {
    name: 'suppress folds repeats of a group into a count on the next match',
    rules: rule('lateness: 0s, suppress: 10m'),
    events: [
      created(0),
      created(MINUTE),
      created(2 * MINUTE),
      created(11 * MINUTE),
      tick(30 * MINUTE),
    ],
    expect: [
      // The trigger at 11m moves the watermark past the first three deadlines: one match, two folded.
      { rule: 'unapproved_key', first: 0, last: 0, suppressedCount: 0, at: 3 },
      { rule: 'unapproved_key', first: 11 * MINUTE, last: 11 * MINUTE, suppressedCount: 2, at: 4 },
    ],
    stats: { rule: 'unapproved_key', suppressed: 2, matches: 2 },
  },
  {
    name: 'a group holding suppressed matches outlives its suppression period, so the next match reports them',
    rules: rule('lateness: 0s, suppress: 10m'),
    events: [
      created(0),
      created(MINUTE),
      created(2 * MINUTE),
      tick(8 * MINUTE),
      // The suppression (until 10m) is over here; the group has nothing pending but the count.
      tick(12 * MINUTE),
      created(20 * MINUTE),
      tick(30 * MINUTE),
    ],
    expect: [
      { rule: 'unapproved_key', first: 0, suppressedCount: 0 },
      { rule: 'unapproved_key', first: 20 * MINUTE, suppressedCount: 2 },
    ],
  },
  {
    name: 'an expected event within [t, t + T] arriving after the absence fired withdraws it (a retraction), once',
    rules: rule(),
    events: [
      created(0, 'u1'),
      created(10 * SECOND, 'u2'),
      // The watermark passes 5m10s: both absences fire.
      tick(T + 41 * SECOND),
      // Too late to count (3m is behind the watermark, lateness 0), not to disprove u1's absence.
      approved(3 * MINUTE, 'u1', { delay: 3 * MINUTE }),
      // A second one for u1 withdraws nothing more.
      approved(4 * MINUTE, 'u1', { delay: 2 * MINUTE + 1 }),
      // After u2's window (10s + 5m), or another user's: nothing to withdraw.
      approved(T + 10 * SECOND + 1, 'u2', { delay: MINUTE }),
      tick(8 * MINUTE),
    ],
    expect: [
      { rule: 'unapproved_key', group: { user: 'u1' }, first: 0, at: 2 },
      { rule: 'unapproved_key', group: { user: 'u2' }, first: 10 * SECOND, at: 2 },
    ],
    retract: [{ rule: 'unapproved_key', matchLast: 0, by: 'gw/e3', tooLate: true }],
    stats: { rule: 'unapproved_key', matches: 2, retracted: 1, lateDropped: 3 },
  },
  {
    name: 'a reported absence is withdrawable for one timespan past the lateness, then it is history',
    rules: rule(),
    events: [
      created(0, 'u1'),
      created(10 * SECOND, 'u2'),
      tick(T + 41 * SECOND),
      // Watermark 9m59s: u1's absence (ending 5m) can still be withdrawn until 10m.
      tick(10 * MINUTE + 29 * SECOND),
      approved(MINUTE, 'u1', { delay: 9 * MINUTE + 30 * SECOND }),
      // Watermark 10m10s + 1 ms: u2's absence (ending 5m10s) is history.
      tick(10 * MINUTE + 40 * SECOND + 1),
      approved(MINUTE, 'u2', { delay: 9 * MINUTE + 40 * SECOND + 2 }),
    ],
    expect: [
      { rule: 'unapproved_key', group: { user: 'u1' }, first: 0, at: 2 },
      { rule: 'unapproved_key', group: { user: 'u2' }, first: 10 * SECOND, at: 2 },
    ],
    retract: [{ rule: 'unapproved_key', matchLast: 0, by: 'gw/e4', tooLate: true }],
  },
  {
    name: 'a suppressed absence reached no incident: an expected event withdraws only the reported one',
    rules: rule('lateness: 0s, suppress: 10m'),
    events: [
      created(0),
      created(MINUTE),
      tick(T + MINUTE + 31 * SECOND),
      // Inside the suppressed absence's window (1m..6m) only: nothing to withdraw.
      approved(5 * MINUTE + 30 * SECOND, 'u1', { delay: MINUTE }),
      // Inside the reported one's (0..5m) too.
      approved(2 * MINUTE, 'u1', { delay: 5 * MINUTE }),
    ],
    expect: [{ rule: 'unapproved_key', first: 0, suppressedCount: 0, at: 2 }],
    retract: [{ rule: 'unapproved_key', matchLast: 0, by: 'gw/e4', tooLate: true }],
    stats: { rule: 'unapproved_key', matches: 1, suppressed: 1, retracted: 1 },
  },
  {
    name: 'an expected event from a source new to the rule, on time for its source, withdraws a reported absence',
    rules: rule(),
    events: [
      created(0, 'u1'),
      created(10 * SECOND, 'u2'),
      // gw alone feeds the rule: its watermark passes 5m10s, both absences are reported.
      tick(T + 41 * SECOND),
      tick(9 * MINUTE),
      // "iam" has never fed the rule: its first event, at 2m, is not late for it. It withdraws
      // u1's absence.
      approved(2 * MINUTE, 'u1', { source: 'iam', delay: 7 * MINUTE }),
      // From now on iam (silent, then following the clock) holds the rule's watermark back, and
      // with it how long u2's absence stays withdrawable: the same whenever sweeps ran.
      tick(16 * MINUTE),
      approved(3 * MINUTE, 'u2', { source: 'iam', delay: 13 * MINUTE + 1 }),
    ],
    expect: [
      { rule: 'unapproved_key', group: { user: 'u1' }, first: 0, at: 2 },
      { rule: 'unapproved_key', group: { user: 'u2' }, first: 10 * SECOND, at: 2 },
    ],
    retract: [
      { rule: 'unapproved_key', matchLast: 0, by: 'iam/e4', tooLate: false },
      { rule: 'unapproved_key', matchLast: 10 * SECOND, by: 'iam/e6', tooLate: true },
    ],
  },
];
