import type { Location } from '../../normalizers/findings.js';
import { getOwn } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import {
  INVALID,
  readAmount,
  readCount,
  readObject,
  readText,
} from '../llm-common/field-readers.js';

/**
 * Token and cost measures of a generation. `usageDetails` (current SDKs: {input, output,
 * total, …provider-specific keys}, or OpenAI's {prompt_tokens, completion_tokens,
 * total_tokens}) wins over the legacy `usage` {input, output, total, unit, inputCost,
 * outputCost, totalCost}. `costDetails` {input, output, total} gives cost_usd, else the legacy
 * totalCost. Only the keys read here are checked: the rest are provider extras kept in raw.
 * Returns undefined after reporting a wrong value.
 */
export function readUsage(body: JsonObject, at: Location): Record<string, number> | undefined {
  let bad = false;
  const out: Record<string, number> = {};
  const count = (
    object: JsonObject,
    keys: readonly string[],
    objectAt: Location,
  ): number | undefined => {
    for (const key of keys) {
      const value = readCount(object, key, objectAt);
      if (value === INVALID) bad = true;
      else if (value !== undefined) return value;
    }
    return undefined;
  };
  const amount = (object: JsonObject, key: string, objectAt: Location): number | undefined => {
    const value = readAmount(object, key, objectAt, 'a cost in USD');
    if (value === INVALID) bad = true;
    return value === INVALID ? undefined : value;
  };
  const object = (key: string): JsonObject | undefined => {
    const value = readObject(body, key, at);
    if (value === INVALID) bad = true;
    return value === INVALID ? undefined : value;
  };

  const details = object('usageDetails');
  const legacy = object('usage');
  const costs = object('costDetails');
  const legacyAt = at.child('usage');
  const legacyCounts: Record<string, number> = {};
  let unit: string | undefined;
  if (legacy !== undefined) {
    const read = readText(legacy, 'unit', legacyAt);
    if (read === INVALID) bad = true;
    else unit = read;
    setIf(legacyCounts, 'in', count(legacy, ['input', 'promptTokens'], legacyAt));
    setIf(legacyCounts, 'out', count(legacy, ['output', 'completionTokens'], legacyAt));
    setIf(legacyCounts, 'total', count(legacy, ['total', 'totalTokens'], legacyAt));
  }
  const counts: Record<string, number> = {};
  if (details !== undefined) {
    const detailsAt = at.child('usageDetails');
    setIf(counts, 'in', count(details, ['input', 'prompt_tokens'], detailsAt));
    setIf(counts, 'out', count(details, ['output', 'completion_tokens'], detailsAt));
    setIf(counts, 'total', count(details, ['total', 'total_tokens'], detailsAt));
  }
  // Legacy usage may count characters or images; only tokens are tokens_*.
  const fromDetails = Object.keys(counts).length > 0;
  const prefix = fromDetails || unit === undefined || unit === 'TOKENS' ? 'tokens' : 'usage';
  for (const [side, value] of Object.entries(fromDetails ? counts : legacyCounts))
    out[`${prefix}_${side}`] = value;

  let cost: number | undefined;
  if (costs !== undefined) {
    const costsAt = at.child('costDetails');
    const total = amount(costs, 'total', costsAt);
    const input = amount(costs, 'input', costsAt);
    const output = amount(costs, 'output', costsAt);
    cost = total ?? (input !== undefined && output !== undefined ? input + output : undefined);
  }
  if (cost === undefined && legacy !== undefined) cost = amount(legacy, 'totalCost', legacyAt);
  if (cost !== undefined) out.cost_usd = cost;
  return bad ? undefined : out;
}

function setIf(target: Record<string, number>, key: string, value: number | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** The legacy `unit` when usage is not counted in tokens, for a label. */
export function usageUnit(body: JsonObject): string | undefined {
  const usage = getOwn(body, 'usage');
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) return undefined;
  const unit = getOwn(usage as JsonObject, 'unit');
  return typeof unit === 'string' && unit !== 'TOKENS' ? unit : undefined;
}
