/**
 * Per-rule figures the engine keeps as it works (the correlator exports them as Prometheus
 * counters; `cordon replay` prints them). Plain numbers, so reading them costs nothing.
 */
export interface RuleStats {
  /** Events (or inner matches) the rule took in. */
  events: number;
  matches: number;
  /** Matches withdrawn by an event that arrived after them (see Retraction). */
  retracted: number;
  suppressed: number;
  /** Behind their source's watermark but within the allowed lateness: counted, flagged late. */
  late: number;
  /** Later than the allowed lateness: not counted (they stay in the event log, replayable). */
  lateDropped: number;
  /** Skipped because a group-by field was empty. */
  withoutGroup: number;
  /** Skipped because the type's field was missing (or not a number where one is needed). */
  withoutValue: number;
  /** Groups evicted at the per-rule cap (stalest first). */
  evictedGroups: number;
  /** Milliseconds spent evaluating this rule. */
  evalMs: number;
}

export function emptyStats(): RuleStats {
  return {
    events: 0,
    matches: 0,
    retracted: 0,
    suppressed: 0,
    late: 0,
    lateDropped: 0,
    withoutGroup: 0,
    withoutValue: 0,
    evictedGroups: 0,
    evalMs: 0,
  };
}
