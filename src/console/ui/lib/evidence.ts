import type { ContributingEvent, IncidentEvidence, MatchWindow, ThresholdOp } from './types';

const OP_WORD: Record<ThresholdOp, string> = {
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  eq: '=',
  neq: '≠',
};

/**
 * The chart's view of GET /v1/incidents/{id}/events: per match its window, event times and
 * the rule's threshold (the lower bound a count must pass, drawn as a line; the whole
 * condition in words), and the events themselves.
 */
export function evidenceView(answer: IncidentEvidence): {
  matches: MatchWindow[];
  events: ContributingEvent[];
  missing: number;
  truncated: boolean;
} {
  const condition = answer.rule?.condition;
  const bounds = condition?.kind === 'threshold' ? condition.bounds : [];
  const lower = bounds.find((b) => b.op === 'gt' || b.op === 'gte' || b.op === 'eq');
  const words = bounds.length
    ? bounds.map((b) => `count ${OP_WORD[b.op]} ${b.value}`).join(' and ')
    : condition?.kind === 'boolean'
      ? 'a boolean over its inputs'
      : undefined;
  return {
    matches: answer.matches.map((m) => ({
      matchId: m.matchId,
      windowStart: m.windowStart,
      windowEnd: m.windowEnd,
      threshold: lower?.value,
      condition: words,
      eventTimes: m.eventTimes ?? [],
      count: Math.max(m.count ?? 0, m.eventTimes?.length ?? 0),
      lastTime: m.lastTime,
    })),
    events: answer.events.map((e) => ({ ...e.event, ref: e.ref })),
    missing: answer.missing?.length ?? 0,
    truncated: answer.truncated ?? false,
  };
}
