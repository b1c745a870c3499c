import { parseEpochSecondsText } from '../../normalizers/time.js';

/** One metric sample, whichever layout it came in. */
export interface MetricSample {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly dimensions: readonly (readonly [string, string])[];
  readonly host: string | undefined;
  readonly requestId: string | undefined;
  /** The sample's own epoch time (ms), when the line has one. */
  readonly time: number | undefined;
  readonly type: string | undefined;
}

/** Java's `Double.toString`: plain or scientific (`4.9299189976E7`). */
const JAVA_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export function readMetricValue(text: string): number | string {
  if (!JAVA_NUMBER.test(text.trim())) {
    const extra = /^[-+]?(nan|infinity)$/i.test(text.trim())
      ? ' Non-finite values cannot be recorded; fix the metric at its source.'
      : '';
    return `value must be a finite number (plain or scientific, such as 4.9299189976E7); got ${JSON.stringify(text)}.${extra}`;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : `value ${JSON.stringify(text)} is too large to record.`;
}

function readPairs(text: string, what: string, problems: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of text.split(',')) {
    if (part === '') continue;
    const colon = part.indexOf(':');
    if (colon <= 0) {
      problems.push(
        `${what} ${JSON.stringify(part)} is not name:value (a "," or "|" inside a value breaks the line; TorchServe does not escape them).`,
      );
      continue;
    }
    pairs.push([part.slice(0, colon), part.slice(colon + 1)]);
  }
  return pairs;
}

/**
 * The StatsD-like line TorchServe's log metrics use:
 * `Name.Unit:value|#dim:v,dim:v|#hostname:h,[requestID:r,]timestamp:<epoch-s>`. The raw worker
 * form (`[METRICS]…`) writes timestamp and request id positionally (`#hostname:h,<ts>,<id>`)
 * and may add a `|#type:GAUGE` segment. Returns every problem found.
 */
export function readStatsdMetric(text: string): MetricSample | string[] {
  const problems: string[] = [];
  const [head = '', ...segments] = text.split('|');
  const colon = head.lastIndexOf(':');
  const nameUnit = colon < 0 ? head : head.slice(0, colon);
  const dot = nameUnit.lastIndexOf('.');
  if (colon < 0)
    return [
      `is not a metric line Name.Unit:value|#dimensions|#hostname:…; got ${JSON.stringify(text.slice(0, 100))}.`,
    ];
  if (dot <= 0 || dot === nameUnit.length - 1)
    problems.push(
      `metric ${JSON.stringify(nameUnit)} has no unit: expected Name.Unit (such as PredictionTime.Milliseconds).`,
    );
  const value = readMetricValue(head.slice(colon + 1));
  if (typeof value === 'string') problems.push(value);
  let dimensions: [string, string][] = [];
  let hostPairs: string[] | undefined;
  let type: string | undefined;
  for (const segment of segments) {
    if (segment === '') continue;
    if (!segment.startsWith('#')) {
      problems.push(
        `segment ${JSON.stringify(segment)} does not start with "#": a "|" inside a dimension value breaks the line (TorchServe does not escape it).`,
      );
      continue;
    }
    const inner = segment.slice(1);
    if (inner.startsWith('hostname:')) hostPairs = inner.split(',');
    else if (inner.startsWith('type:')) type = inner.slice('type:'.length);
    else dimensions = dimensions.concat(readPairs(inner, 'dimension', problems));
  }
  let host: string | undefined;
  let requestId: string | undefined;
  let time: number | undefined;
  if (hostPairs === undefined) {
    problems.push(
      'has no "|#hostname:<host>,timestamp:<epoch seconds>" segment; TorchServe writes one on every metric line (the line may be cut or edited).',
    );
  } else {
    const positional: string[] = [];
    for (const part of hostPairs) {
      const c = part.indexOf(':');
      const key = c < 0 ? '' : part.slice(0, c);
      const v = part.slice(c + 1);
      if (key === 'hostname') host = v;
      else if (key === 'requestID' || key === 'requestId') requestId = v;
      else if (key === 'timestamp') time = readSeconds(v, problems);
      else positional.push(part);
    }
    // Raw worker lines: `<ts>,<request id>` without keys.
    if (time === undefined && positional[0] !== undefined && /^\d+$/.test(positional[0]))
      time = readSeconds(positional.shift() ?? '', problems);
    if (requestId === undefined && positional[0] !== undefined) requestId = positional.shift();
  }
  if (problems.length > 0 || typeof value === 'string') return problems;
  return {
    name: nameUnit.slice(0, dot),
    unit: nameUnit.slice(dot + 1),
    value,
    dimensions,
    host,
    requestId,
    time,
    type,
  };
}

function readSeconds(text: string, problems: string[]): number | undefined {
  const parsed = parseEpochSecondsText(text);
  if (parsed.ok) return parsed.ms;
  problems.push(`timestamp ${parsed.reason}`);
  return undefined;
}
