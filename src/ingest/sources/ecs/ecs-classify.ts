import { EVENT_KINDS } from '../../canonical-event.js';
import type { EventKind, Outcome, Severity } from '../../canonical-event.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { got } from '../../normalizers/json-values.js';
import { DEFAULT_ALERT_SEVERITY, severityFromWord } from '../../normalizers/severity.js';
import type { EcsFields } from './ecs-fields.js';

/**
 * The event kind, in order: an explicit `labels.cordon_kind`; alerts (`event.kind` alert or
 * signal); logins (`event.category` authentication); GenAI calls (`gen_ai.*`: an LLM call when
 * tokens or a chat/completion operation are present, else a model inference); metrics; audit
 * trails (iam/configuration); everything else is a log.
 */
export function ecsKind(fields: EcsFields): EventKind {
  const declared = fields.text('labels.cordon_kind');
  if (declared !== undefined) {
    if (isOneOf(declared, EVENT_KINDS)) return declared;
    fields.error(
      'labels.cordon_kind',
      `must be one of ${EVENT_KINDS.join(', ')}; got ${got(declared)}. Remove it to let the kind be inferred.`,
    );
  }
  const eventKind = fields.text('event.kind')?.toLowerCase();
  if (eventKind === 'alert' || eventKind === 'signal') return 'alert';
  const categories = fields.keywords('event.category');
  if (categories.includes('authentication')) return 'login';
  if (fields.namesUnder('gen_ai').length > 0) {
    const operation = fields.text('gen_ai.operation.name')?.toLowerCase() ?? '';
    const tokens = fields.namesUnder('gen_ai.usage').length > 0;
    return tokens || /chat|completion|generate/.test(operation) ? 'llm' : 'inference';
  }
  if (eventKind === 'metric') return 'metric';
  if (categories.includes('iam') || categories.includes('configuration')) return 'audit';
  return 'log';
}

const ECS_OUTCOMES = ['success', 'failure', 'unknown'] as const;

/**
 * `event.outcome` is the source system's verdict on the action (ECS allowed values). An alert
 * document's outcome is not the alert's state, so alerts are `firing`.
 */
export function ecsOutcome(fields: EcsFields, kind: EventKind): Outcome | undefined {
  const value = fields.text('event.outcome');
  if (value === undefined) return kind === 'alert' ? 'firing' : 'unknown';
  if (isOneOf(value, ECS_OUTCOMES)) return kind === 'alert' ? 'firing' : value;
  const lower = value.toLowerCase();
  const hint = isOneOf(lower, ECS_OUTCOMES)
    ? ` Values are lower case: send "${lower}".`
    : /^fail/.test(lower)
      ? ' Did you mean "failure"?'
      : /^succ|^ok$/.test(lower)
        ? ' Did you mean "success"?'
        : '';
  fields.error(
    'event.outcome',
    `must be one of success, failure, unknown (ECS allowed values); got ${got(value)}.${hint}`,
  );
  return undefined;
}

/**
 * ECS has no common severity word: `log.level` is the nearest (info, warn, error …).
 * Alerts without one are banded by `event.risk_score` the way Elastic Security bands its
 * rules (0–21 low, 22–47 medium, 48–73 high, 74–100 critical).
 */
export function ecsSeverity(
  fields: EcsFields,
  kind: EventKind,
  risk: number | undefined,
): Severity {
  const level = fields.text('log.level');
  const fromWord = level === undefined ? undefined : severityFromWord(level);
  if (fromWord !== undefined) return fromWord;
  if (kind !== 'alert') return 'info';
  if (risk === undefined) return DEFAULT_ALERT_SEVERITY;
  if (risk >= 74) return 'critical';
  if (risk >= 48) return 'high';
  if (risk >= 22) return 'medium';
  return 'low';
}
