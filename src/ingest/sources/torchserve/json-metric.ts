import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { checkEpochMs } from '../../normalizers/time.js';
import type { MetricSample } from './metric-line.js';
import { readMetricValue } from './metric-line.js';

/**
 * TorchServe's JSON metric layout:
 * `{"MetricName", "Value", "Unit", "Dimensions": [{"Name", "Value"}], "HostName", "RequestId"?, "Timestamp"?}`.
 * Value is often a string; Timestamp (when present) epoch seconds.
 */
export function readJsonMetric(text: string): MetricSample | string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return [
      `is not valid JSON (${error instanceof Error ? error.message : String(error)}); a JSON metric line must be one complete object.`,
    ];
  }
  if (!isJsonObject(value)) return [`must be a JSON metric object; got ${got(value)}.`];
  const problems: string[] = [];
  const name = getOwn(value, 'MetricName');
  const unit = getOwn(value, 'Unit');
  const raw = getOwn(value, 'Value');
  if (typeof name !== 'string' || name === '')
    problems.push(`MetricName must be a non-empty string; got ${got(name)}.`);
  if (typeof unit !== 'string' || unit === '')
    problems.push(`Unit must be a non-empty string; got ${got(unit)}.`);
  const number =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string'
        ? readMetricValue(raw)
        : `Value must be a number; got ${got(raw)}.`;
  if (typeof number === 'string') problems.push(number);
  const dimensions: [string, string][] = [];
  const dims = getOwn(value, 'Dimensions');
  if (Array.isArray(dims)) {
    for (const dim of dims) {
      const n = isJsonObject(dim) ? getOwn(dim, 'Name') : undefined;
      const v = isJsonObject(dim) ? getOwn(dim, 'Value') : undefined;
      if (typeof n === 'string' && (typeof v === 'string' || typeof v === 'number'))
        dimensions.push([n, String(v)]);
      else
        problems.push(
          `Dimensions entries must be {"Name": string, "Value": string}; got ${got(dim)}.`,
        );
    }
  } else if (dims !== undefined) {
    problems.push(`Dimensions must be an array of {"Name", "Value"}; got ${got(dims)}.`);
  }
  const host = getOwn(value, 'HostName');
  const requestId = getOwn(value, 'RequestId');
  const stamp = getOwn(value, 'Timestamp');
  let time: number | undefined;
  if (stamp !== undefined && stamp !== null) {
    const seconds = typeof stamp === 'string' ? Number(stamp) : stamp;
    const parsed =
      typeof seconds === 'number'
        ? checkEpochMs(Math.trunc(seconds * 1000))
        : { ok: false as const, reason: `got ${got(stamp)}.` };
    if (parsed.ok) time = parsed.ms;
    else problems.push(`Timestamp must be epoch seconds: ${parsed.reason}`);
  }
  if (
    problems.length > 0 ||
    typeof number === 'string' ||
    typeof name !== 'string' ||
    typeof unit !== 'string'
  )
    return problems;
  return {
    name,
    unit,
    value: number,
    dimensions,
    host: typeof host === 'string' ? host : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    time,
    type: undefined,
  };
}
