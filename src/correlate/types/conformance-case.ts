import type { CanonicalEvent } from '../../ingest/canonical-event.js';

/**
 * The shape of a correlation type's conformance cases (`<type>/conformance.ts`): rules, events
 * in arrival order, and the matches they must produce. One suite runs every case in memory,
 * through checkpoints and crashes on both state stores, and on two workers; all must agree.
 * Times are milliseconds after a fixed base; processing time is event time + delay.
 */
export interface CaseEvent {
  /** Event time, ms after the base. */
  readonly t: number;
  /** Ingest delay: processing time is t + delay (default 0). */
  readonly delay?: number;
  readonly id?: string;
  readonly source?: string;
  readonly kind?: CanonicalEvent['kind'];
  readonly name?: string;
  readonly outcome?: CanonicalEvent['outcome'];
  readonly entity?: CanonicalEvent['entity'];
  readonly measures?: CanonicalEvent['measures'];
  readonly labels?: CanonicalEvent['labels'];
  readonly text?: CanonicalEvent['text'];
}

/** What a case says about a match; anything left out is not checked. */
export interface ExpectedMatch {
  readonly rule: string;
  /** The match's level (types may raise it above the rule's). */
  readonly level?: string;
  readonly group?: Record<string, string>;
  readonly count?: number;
  /** Offsets from the base. */
  readonly first?: number;
  readonly last?: number;
  readonly windowStart?: number;
  readonly windowEnd?: number;
  readonly late?: boolean;
  readonly partial?: boolean;
  readonly approximate?: boolean;
  readonly suppressedCount?: number;
  readonly refs?: readonly string[];
  /** The sources of every event beyond the refs' cap (absent when the refs hold them all). */
  readonly sources?: readonly string[] | undefined;
  readonly aggregate?: Record<string, unknown>;
  /** Index of the event whose processing emitted it (events.length: the final flush). */
  readonly at?: number;
}

/** What a case says about a withdrawn match (see Retraction); left-out fields are not checked. */
export interface ExpectedRetraction {
  readonly rule: string;
  /** The withdrawn match, by the offset of its last event: it must be one of the case's matches. */
  readonly matchLast: number;
  /** The withdrawing event's ref (`gw/e3`). */
  readonly by?: string;
  readonly tooLate?: boolean;
}

export interface ConformanceCase {
  readonly name: string;
  readonly rules: string;
  readonly events: readonly CaseEvent[];
  readonly expect: readonly ExpectedMatch[];
  /** Matches withdrawn by later events; none when left out (every case checks that). */
  readonly retract?: readonly ExpectedRetraction[];
  /** Figures of one rule after the in-memory run. */
  readonly stats?: { readonly rule: string; readonly [figure: string]: number | string };
  readonly limits?: {
    readonly maxEventsPerGroup?: number;
    readonly maxGroupsPerRule?: number;
    readonly maxDistinctExact?: number;
    readonly maxRefsPerMatch?: number;
  };
}

export const SECOND = 1_000;
export const MINUTE = 60_000;

/** `n` events for one API key, `step` ms apart from `t0`. */
export function burst(
  n: number,
  t0: number,
  step: number,
  key = 'k1',
  extra: Partial<CaseEvent> = {},
): CaseEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    t: t0 + i * step,
    entity: { api_key: key },
    ...extra,
  }));
}

/** The detection most cases correlate over: `req`, any inference event with an API key. */
export const REQUEST_RULE = `
title: Request
name: req
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
`;

/** REQUEST_RULE and one correlation over it, grouped by API key. */
export function perKeyRule(correlation: {
  readonly title: string;
  readonly name: string;
  readonly type: string;
  readonly condition: string;
  readonly timespan?: string;
  readonly cordon?: string;
}): string {
  const { title, name, type, condition, timespan = '60s', cordon = '' } = correlation;
  return `${REQUEST_RULE}---
title: ${title}
name: ${name}
correlation:
  type: ${type}
  rules: [req]
  group-by: [api_key]
  timespan: ${timespan}
  condition: ${condition}
${cordon ? `cordon: ${cordon}\n` : ''}`;
}

/** An event no rule of these cases reads: it only moves its source's watermark on. */
export function tick(t: number): CaseEvent {
  return { t, kind: 'login', entity: {} };
}
