import type { Location } from '../../normalizers/findings.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { putLabel } from '../siem-common/labels.js';
import { readRfc3339Field } from '../siem-common/rfc3339-field.js';
import { reportUnrendered } from './mustache-hints.js';

/**
 * The envelope our recommended template renders (elastic-kibana-webhook-connector-template):
 * the rule, when the action ran, links and the signal count; `alerts` is read separately.
 */
export interface RuleBody {
  readonly ruleId: string | undefined;
  readonly ruleName: string | undefined;
  readonly firedAt: number | undefined;
  readonly firedAtText: string | undefined;
  readonly signalsCount: number | undefined;
  readonly labels: Record<string, string>;
}

const TEXT_KEYS = [
  ['source', 'kibana.source'],
  ['rule_id', 'rule_id'],
  ['rule_name', undefined],
  ['rule_url', 'kibana.rule_url'],
  ['space_id', 'kibana.space_id'],
  ['results_link', 'kibana.results_link'],
] as const;

export function readRuleBody(body: JsonObject, at: Location): RuleBody | undefined {
  let ok = true;
  const labels: Record<string, string> = {};
  const texts: Partial<Record<(typeof TEXT_KEYS)[number][0], string>> = {};
  for (const [key, label] of TEXT_KEYS) {
    const value = getOwn(body, key);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      at.child(key).error(
        `must be a string (render it inside quotes: "{{…}}"); got ${got(value)}.`,
      );
      ok = false;
      continue;
    }
    if (reportUnrendered(value, at.child(key))) {
      ok = false;
      continue;
    }
    texts[key] = value;
    if (label !== undefined) putLabel(labels, label, value);
  }
  const firedAtText = getOwn(body, 'fired_at');
  if (reportUnrendered(firedAtText, at.child('fired_at'))) ok = false;
  const firedAt = ok
    ? readRfc3339Field(firedAtText, at.child('fired_at'), { required: false, zero: false })
    : undefined;
  const signalsCount = readCount(getOwn(body, 'signals_count'), at.child('signals_count'));
  if (firedAt === null || signalsCount === null || !ok) return undefined;
  return {
    ruleId: texts.rule_id === '' ? undefined : texts.rule_id,
    ruleName: texts.rule_name === '' ? undefined : texts.rule_name,
    firedAt: typeof firedAt === 'number' ? firedAt : undefined,
    firedAtText: typeof firedAtText === 'string' ? firedAtText : undefined,
    signalsCount,
    labels,
  };
}

/** `"{{state.signals_count}}"` renders a number in a string; an empty one means "not set". */
function readCount(value: unknown, at: Location): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  at.error(
    `must be a whole number of signals (as rendered by "{{state.signals_count}}"); got ${got(value)}.`,
  );
  return null;
}
