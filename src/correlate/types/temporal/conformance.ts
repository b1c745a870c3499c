import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND } from '../conformance-case.js';

const HOUR = 60 * MINUTE;

/** Drift reports on the user_age feature name the affected segment's region in a label. */
const DETECTIONS = `
title: Drift on user_age
name: drift_user_age
logsource: { category: drift }
detection: { sel: { labels.drift_feature: user_age }, condition: sel }
---
title: Failed login
name: login_failed
logsource: { category: login }
detection: { sel: { outcome: failure }, condition: sel }
---
title: Account locked
name: login_locked
logsource: { category: login }
detection: { sel: { name: account_locked }, condition: sel }
`;

/** A temporal rule over `rules`, joined by region (the drift report's label, the login's geo). */
function rule(rules: readonly string[], condition = '', cordon = '', timespan = '1h'): string {
  const aliases = rules
    .map(
      (r) =>
        `      ${r}: ${r === 'drift_user_age' ? 'labels.segment_region' : 'entity.geo.region'}`,
    )
    .join('\n');
  return `${DETECTIONS}---
title: Drift and login trouble in one region
name: drift_login
correlation:
  type: temporal
  rules: [${rules.join(', ')}]
  group-by: [region]
  timespan: ${timespan}
  aliases:
    region:
${aliases}
${condition ? `  condition: ${condition}\n` : ''}${cordon ? `cordon: ${cordon}\n` : ''}`;
}

const BOTH = rule(['drift_user_age', 'login_failed']);

function drift(t: number, region: string, extra: Partial<CaseEvent> = {}): CaseEvent {
  return {
    t,
    source: 'monitor',
    kind: 'drift',
    name: 'drift_report',
    outcome: 'firing',
    labels: { drift_feature: 'user_age', segment_region: region },
    ...extra,
  };
}

function failed(t: number, region: string, extra: Partial<CaseEvent> = {}): CaseEvent {
  return {
    t,
    source: 'idp',
    kind: 'login',
    outcome: 'failure',
    entity: { user: 'u1', geo: { region } },
    ...extra,
  };
}

function locked(t: number, region: string): CaseEvent {
  return {
    t,
    source: 'idp',
    kind: 'login',
    name: 'account_locked',
    outcome: 'unknown',
    entity: { user: 'u1', geo: { region } },
  };
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'fires when every rule matched for the same group within the timespan, at the event completing it',
    rules: BOTH,
    events: [failed(0, 'eu-west'), drift(30 * MINUTE, 'eu-west')],
    expect: [
      {
        rule: 'drift_login',
        group: { region: 'eu-west' },
        count: 2,
        first: 0,
        last: 30 * MINUTE,
        windowStart: -30 * MINUTE,
        windowEnd: 30 * MINUTE,
        late: false,
        refs: ['idp/e0', 'monitor/e1'],
        aggregate: { rules: { drift_user_age: 1, login_failed: 1 } },
        at: 1,
      },
    ],
  },
  {
    name: 'any order: the drift report may come first',
    rules: BOTH,
    events: [drift(0, 'eu-west'), failed(10 * MINUTE, 'eu-west')],
    expect: [
      {
        rule: 'drift_login',
        group: { region: 'eu-west' },
        count: 2,
        first: 0,
        last: 10 * MINUTE,
        at: 1,
      },
    ],
  },
  {
    name: 'repeats of one rule are not enough; they are counted in the match that completes',
    rules: BOTH,
    events: [
      failed(0, 'eu-west'),
      failed(MINUTE, 'eu-west'),
      failed(2 * MINUTE, 'eu-west'),
      drift(3 * MINUTE, 'eu-west'),
    ],
    expect: [
      {
        rule: 'drift_login',
        count: 4,
        aggregate: { rules: { drift_user_age: 1, login_failed: 3 } },
        at: 3,
      },
    ],
  },
  {
    name: 'different regions (and different spellings by default) do not join',
    rules: BOTH,
    events: [drift(0, 'eu-west'), failed(MINUTE, 'us-east'), failed(2 * MINUTE, 'EU-West')],
    expect: [],
  },
  {
    name: 'group_case: insensitive joins "EU-West" and "eu-west", showing the first spelling',
    rules: rule(['drift_user_age', 'login_failed'], '', '{ group_case: insensitive }'),
    events: [drift(0, 'EU-West'), failed(MINUTE, 'eu-west')],
    expect: [{ rule: 'drift_login', group: { region: 'EU-West' }, count: 2, at: 1 }],
  },
  {
    name: 'the timespan is inclusive: exactly T apart joins, T + 1 ms does not',
    rules: BOTH,
    events: [
      drift(0, 'eu-west'),
      drift(0, 'us-east'),
      failed(HOUR, 'eu-west'),
      failed(HOUR + 1, 'us-east'),
    ],
    expect: [{ rule: 'drift_login', group: { region: 'eu-west' }, first: 0, last: HOUR, at: 2 }],
    stats: { rule: 'drift_login', events: 4, lateDropped: 0 },
  },
  {
    name: 'reset: after a match the next one needs fresh events of every rule',
    rules: BOTH,
    events: [
      drift(0, 'eu-west'),
      failed(MINUTE, 'eu-west'),
      failed(2 * MINUTE, 'eu-west'),
      drift(3 * MINUTE, 'eu-west'),
    ],
    expect: [
      { rule: 'drift_login', count: 2, first: 0, last: MINUTE, at: 1 },
      { rule: 'drift_login', count: 2, first: 2 * MINUTE, last: 3 * MINUTE, at: 3 },
    ],
  },
  {
    name: 'a login arriving after the drift report it precedes completes the match, flagged late',
    rules: BOTH,
    events: [
      failed(20 * MINUTE, 'ap-south'),
      drift(20 * MINUTE + 10 * SECOND, 'eu-west'),
      // The idp's watermark is 20m − 30s: 18m is late for its source, within the lateness.
      failed(18 * MINUTE, 'eu-west', { delay: 2 * MINUTE + 10 * SECOND }),
    ],
    expect: [
      {
        rule: 'drift_login',
        group: { region: 'eu-west' },
        count: 2,
        first: 18 * MINUTE,
        last: 20 * MINUTE + 10 * SECOND,
        windowStart: 20 * MINUTE + 10 * SECOND - HOUR,
        windowEnd: 20 * MINUTE + 10 * SECOND,
        late: true,
        refs: ['idp/e2', 'monitor/e1'],
        at: 2,
      },
    ],
    stats: { rule: 'drift_login', late: 1, lateDropped: 0 },
  },
  {
    name: 'an or-condition fires when the drift report and either login rule are present',
    rules: rule(
      ['drift_user_age', 'login_failed', 'login_locked'],
      'drift_user_age and (login_failed or login_locked)',
    ),
    events: [
      drift(0, 'eu-west'),
      locked(0, 'us-east'),
      locked(MINUTE, 'eu-west'),
      failed(MINUTE, 'us-east'),
    ],
    expect: [
      {
        rule: 'drift_login',
        group: { region: 'eu-west' },
        count: 2,
        aggregate: { rules: { drift_user_age: 1, login_failed: 0, login_locked: 1 } },
        at: 2,
      },
    ],
  },
  {
    name: 'pySigma threshold gte 2: any two different rules of three',
    rules: rule(['drift_user_age', 'login_failed', 'login_locked'], '{ gte: 2 }'),
    events: [
      failed(0, 'eu-west'),
      drift(0, 'us-east'),
      failed(MINUTE, 'eu-west'),
      drift(MINUTE, 'us-east'),
      locked(2 * MINUTE, 'eu-west'),
    ],
    expect: [
      {
        rule: 'drift_login',
        group: { region: 'eu-west' },
        count: 3,
        first: 0,
        last: 2 * MINUTE,
        aggregate: { rules: { drift_user_age: 0, login_failed: 2, login_locked: 1 } },
        at: 4,
      },
    ],
  },
  {
    name: 'a NOT condition is decided when the window closes',
    rules: rule(
      ['drift_user_age', 'login_failed'],
      'drift_user_age and not login_failed',
      '{ lateness: 0s }',
    ),
    events: [
      drift(0, 'us-east'),
      drift(MINUTE, 'eu-west'),
      failed(10 * MINUTE, 'eu-west'),
      failed(20 * MINUTE, 'ap-south'),
      // The monitor's watermark passes 1h; the idp has been idle for over a minute, so its
      // watermark follows the clock: both have passed [0, 1h] and [1m, 61m].
      drift(2 * HOUR, 'other', { labels: { drift_feature: 'income', segment_region: 'eu-west' } }),
    ],
    expect: [
      {
        rule: 'drift_login',
        group: { region: 'us-east' },
        count: 1,
        first: 0,
        last: 0,
        windowStart: 0,
        windowEnd: HOUR,
        aggregate: { rules: { drift_user_age: 1, login_failed: 0 } },
        at: 4,
      },
    ],
  },
  {
    name: 'a NOT condition does not fire before the window closes, even with everything present',
    rules: rule(['drift_user_age', 'login_failed'], 'drift_user_age and not login_failed'),
    events: [drift(0, 'us-east'), drift(30 * SECOND, 'us-east')],
    // The default 5-minute lateness keeps [0, 1h] open to the end of input.
    expect: [{ rule: 'drift_login', group: { region: 'us-east' }, count: 2, at: 2 }],
  },
  {
    name: 'pySigma threshold lt 2 (exactly one rule seen) is decided when the window closes',
    rules: rule(['drift_user_age', 'login_failed'], '{ lt: 2 }'),
    events: [drift(0, 'eu-west'), drift(0, 'us-east'), failed(10 * MINUTE, 'eu-west')],
    // eu-west saw both rules: no match, though it had seen one when its first event arrived.
    expect: [{ rule: 'drift_login', group: { region: 'us-east' }, count: 1, at: 3 }],
    stats: { rule: 'drift_login', events: 3, lateDropped: 0 },
  },
];
