import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND } from '../conformance-case.js';

/** The injection, large-response and guardrail-block detections (the chaining cases reuse them). */
export const LLM_DETECTIONS = `
title: Prompt injection
name: injection
logsource: { category: llm }
detection: { sel: { labels.verdict: injection }, condition: sel }
---
title: Large response
name: big_response
logsource: { category: llm }
detection: { sel: { tokens_out|gte: 4000 }, condition: sel }
---
title: Guardrail block
name: blocked
logsource: { category: llm }
detection: { sel: { labels.guardrail: blocked }, condition: sel }
`;

function rule(rules: readonly string[], condition = '', cordon = '', timespan = '5m'): string {
  return `${LLM_DETECTIONS}---
title: Injection then exfiltration
name: sequence
correlation:
  type: temporal_ordered
  rules: [${rules.join(', ')}]
  group-by: [session]
  timespan: ${timespan}
${condition ? `  condition: ${condition}\n` : ''}${cordon ? `cordon: ${cordon}\n` : ''}`;
}

const AB = rule(['injection', 'big_response']);

function llm(t: number, session: string, extra: Partial<CaseEvent>): CaseEvent {
  return { t, kind: 'llm', name: 'chat', entity: { session }, ...extra };
}

/** Step A: a prompt flagged as an injection. */
function inj(t: number, session = 's1', extra: Partial<CaseEvent> = {}): CaseEvent {
  return llm(t, session, { labels: { verdict: 'injection' }, ...extra });
}

/** Step B: a response of 5000 tokens. */
function big(t: number, session = 's1', extra: Partial<CaseEvent> = {}): CaseEvent {
  return llm(t, session, { measures: { tokens_out: 5000 }, ...extra });
}

/** The `until` rule C: a guardrail block (`delay`: how long after its time it arrives). */
function block(t: number, session = 's1', delay = 0): CaseEvent {
  return llm(t, session, { labels: { guardrail: 'blocked' }, ...(delay ? { delay } : {}) });
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'A then B within the timespan fires at B',
    rules: AB,
    events: [inj(0), big(2 * MINUTE)],
    expect: [
      {
        rule: 'sequence',
        group: { session: 's1' },
        count: 2,
        first: 0,
        last: 2 * MINUTE,
        windowStart: -3 * MINUTE,
        windowEnd: 2 * MINUTE,
        late: false,
        refs: ['gw/e0', 'gw/e1'],
        aggregate: {
          steps: [
            { rule: 'injection', ref: 'gw/e0' },
            { rule: 'big_response', ref: 'gw/e1' },
          ],
        },
        at: 1,
      },
    ],
  },
  {
    name: 'B then A does not fire; a later B completes A then B',
    rules: AB,
    events: [big(0), inj(MINUTE), big(2 * MINUTE)],
    expect: [
      {
        rule: 'sequence',
        count: 2,
        first: MINUTE,
        last: 2 * MINUTE,
        refs: ['gw/e1', 'gw/e2'],
        at: 2,
      },
    ],
  },
  {
    name: 'sessions are sequenced apart',
    rules: AB,
    events: [inj(0, 's1'), big(MINUTE, 's2'), big(2 * MINUTE, 's1')],
    expect: [{ rule: 'sequence', group: { session: 's1' }, refs: ['gw/e0', 'gw/e2'], at: 2 }],
  },
  {
    name: 'steps at the same millisecond count as in order (A arriving first)',
    rules: AB,
    events: [inj(MINUTE), big(MINUTE)],
    expect: [{ rule: 'sequence', count: 2, first: MINUTE, last: MINUTE, at: 1 }],
  },
  {
    name: 'steps at the same millisecond count as in order (B arriving first)',
    rules: AB,
    events: [big(MINUTE), inj(MINUTE)],
    // Refs list the steps in sequence order.
    expect: [
      { rule: 'sequence', count: 2, first: MINUTE, last: MINUTE, refs: ['gw/e1', 'gw/e0'], at: 1 },
    ],
  },
  {
    name: 'a late first step pairs with the earliest step it precedes, a tie included',
    rules: AB,
    events: [
      big(MINUTE),
      big(2 * MINUTE),
      // Arrives at 2m10s (watermark 1m30s): the window ending at the response at 1m, which it
      // ties with, is the earliest that holds it; the response at 2m is left unmatched.
      inj(MINUTE, 's1', { delay: MINUTE + 10 * SECOND }),
    ],
    expect: [
      {
        rule: 'sequence',
        count: 2,
        first: MINUTE,
        last: MINUTE,
        late: true,
        refs: ['gw/e2', 'gw/e0'],
        at: 2,
      },
    ],
  },
  {
    name: 'strict_order: steps at the same millisecond are not in order',
    rules: rule(['injection', 'big_response'], '', '{ strict_order: true }'),
    events: [inj(MINUTE), big(MINUTE), big(MINUTE, 's2'), inj(MINUTE, 's2'), big(2 * MINUTE)],
    // s1's injection at 1m is before the response at 2m.
    expect: [
      {
        rule: 'sequence',
        group: { session: 's1' },
        count: 2,
        first: MINUTE,
        last: 2 * MINUTE,
        at: 4,
      },
    ],
  },
  {
    name: 'first and last step more than the timespan apart do not fire; exactly the timespan does',
    rules: AB,
    events: [inj(0, 's1'), inj(0, 's2'), big(5 * MINUTE + 1, 's1'), big(5 * MINUTE, 's2')],
    expect: [{ rule: 'sequence', group: { session: 's2' }, first: 0, last: 5 * MINUTE, at: 3 }],
    stats: { rule: 'sequence', lateDropped: 0 },
  },
  {
    name: 'three steps: each must follow the one before',
    rules: rule(['injection', 'blocked', 'big_response']),
    // The response at 1m has no block before it; the one at 3m follows injection, block.
    events: [inj(0), big(MINUTE), block(2 * MINUTE), big(3 * MINUTE)],
    expect: [
      {
        rule: 'sequence',
        count: 3,
        first: 0,
        last: 3 * MINUTE,
        refs: ['gw/e0', 'gw/e2', 'gw/e3'],
        aggregate: {
          steps: [
            { rule: 'injection', ref: 'gw/e0' },
            { rule: 'blocked', ref: 'gw/e2' },
            { rule: 'big_response', ref: 'gw/e3' },
          ],
        },
        at: 3,
      },
    ],
  },
  {
    name: 'and not C: C between the first and last step breaks the sequence; before or after it does not',
    rules: rule(
      ['injection', 'big_response', 'blocked'],
      'injection and big_response and not blocked',
    ),
    // Sessions, in arrival (= time) order:
    //   s1: injection 0, block 1m, response 2m (broken); injection 3m, response 4m (fires)
    //   s2: block 0, injection 1m, response 2m (the block is before the first step)
    //   s3: injection 0, response 1m, block 2m (the block is after the last step)
    events: [
      inj(0, 's1'),
      block(0, 's2'),
      inj(0, 's3'),
      block(MINUTE, 's1'),
      inj(MINUTE, 's2'),
      big(MINUTE, 's3'),
      big(2 * MINUTE, 's1'),
      big(2 * MINUTE, 's2'),
      block(2 * MINUTE, 's3'),
      inj(3 * MINUTE, 's1'),
      big(4 * MINUTE, 's1'),
    ],
    expect: [
      {
        rule: 'sequence',
        group: { session: 's3' },
        count: 2,
        first: 0,
        last: MINUTE,
        refs: ['gw/e2', 'gw/e5'],
        at: 5,
      },
      {
        rule: 'sequence',
        group: { session: 's2' },
        count: 2,
        first: MINUTE,
        last: 2 * MINUTE,
        refs: ['gw/e4', 'gw/e7'],
        at: 7,
      },
      {
        rule: 'sequence',
        group: { session: 's1' },
        count: 2,
        first: 3 * MINUTE,
        last: 4 * MINUTE,
        refs: ['gw/e9', 'gw/e10'],
        at: 10,
      },
    ],
  },
  {
    name: 'reset: a match consumes its steps (skip past the last event)',
    rules: AB,
    events: [inj(0), big(MINUTE), big(2 * MINUTE), inj(3 * MINUTE), big(4 * MINUTE)],
    expect: [
      { rule: 'sequence', first: 0, last: MINUTE, at: 1 },
      { rule: 'sequence', first: 3 * MINUTE, last: 4 * MINUTE, at: 4 },
    ],
  },
  {
    // Skip-past-last-event (correlation-anchors §3.1: only allowOverlap keeps other partial
    // matches): the injection at 0 began a partial match before the reported one ended.
    name: 'reset: a match also drops the partial matches begun before its last event',
    rules: AB,
    events: [inj(0), inj(30 * SECOND), big(MINUTE), big(2 * MINUTE)],
    expect: [
      { rule: 'sequence', first: 30 * SECOND, last: MINUTE, refs: ['gw/e1', 'gw/e2'], at: 2 },
    ],
  },
  {
    name: 'the tightest sequence ending at the completing event is reported',
    rules: AB,
    events: [inj(0), inj(MINUTE), big(2 * MINUTE)],
    expect: [
      {
        rule: 'sequence',
        count: 2,
        first: MINUTE,
        last: 2 * MINUTE,
        refs: ['gw/e1', 'gw/e2'],
        at: 2,
      },
    ],
  },
  {
    name: 'a first step arriving out of order completes the sequence, flagged late',
    rules: AB,
    events: [
      big(2 * MINUTE),
      // Arrives at 2m10s; the watermark is 2m − 30s: late, within the lateness.
      inj(MINUTE, 's1', { delay: MINUTE + 10 * SECOND }),
    ],
    expect: [
      {
        rule: 'sequence',
        count: 2,
        first: MINUTE,
        last: 2 * MINUTE,
        windowStart: -3 * MINUTE,
        windowEnd: 2 * MINUTE,
        late: true,
        refs: ['gw/e1', 'gw/e0'],
        at: 1,
      },
    ],
    stats: { rule: 'sequence', late: 1 },
  },
  {
    name: 'and not C: a C between the steps arriving after the sequence fired withdraws it (a retraction)',
    rules: rule(
      ['injection', 'big_response', 'blocked'],
      'injection and big_response and not blocked',
      '{ lateness: 0s }',
    ),
    events: [
      inj(0, 's1'),
      inj(0, 's2'),
      big(2 * MINUTE, 's1'),
      big(2 * MINUTE, 's2'),
      // Watermark 1m30s: a block at 1m is too late to count (lateness 0), not to disprove s1.
      block(MINUTE, 's1'),
      // A block before the first step or after the last withdraws nothing; nor a second one.
      block(-MINUTE, 's2'),
      block(3 * MINUTE, 's2'),
      block(90 * SECOND, 's1'),
    ],
    expect: [
      { rule: 'sequence', group: { session: 's1' }, first: 0, last: 2 * MINUTE, at: 2 },
      { rule: 'sequence', group: { session: 's2' }, first: 0, last: 2 * MINUTE, at: 3 },
    ],
    retract: [{ rule: 'sequence', matchLast: 2 * MINUTE, by: 'gw/e4', tooLate: true }],
    stats: { rule: 'sequence', matches: 2, retracted: 1 },
  },
  {
    name: 'and not C: a C within the lateness withdraws the sequence and is counted, flagged late',
    rules: rule(
      ['injection', 'big_response', 'blocked'],
      'injection and big_response and not blocked',
      '{ lateness: 2m }',
    ),
    events: [inj(0), big(2 * MINUTE), block(MINUTE, 's1', 90 * SECOND)],
    expect: [{ rule: 'sequence', first: 0, last: 2 * MINUTE, at: 1 }],
    retract: [{ rule: 'sequence', matchLast: 2 * MINUTE, by: 'gw/e2', tooLate: false }],
    stats: { rule: 'sequence', late: 1, lateDropped: 0, retracted: 1 },
  },
  {
    name: 'without an until rule nothing withdraws a sequence',
    rules: AB,
    events: [inj(0), big(2 * MINUTE), inj(MINUTE, 's1', { delay: 2 * MINUTE })],
    expect: [{ rule: 'sequence', first: 0, last: 2 * MINUTE, at: 1 }],
  },
];
