import type { NormalisedEvent } from '../../canonical-event.js';
import { sha256Hex } from '../../../shared/hash.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { checkEpochMs } from '../../normalizers/time.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind, SourceRequest } from '../source-kind.js';
import { decodeUtf8Text, lineAt, splitLines } from '../monitors-common/text-lines.js';
import { counterDelta, scrapeInterval } from './deltas.js';
import { gaugeEvent, modelEvent } from './events.js';
import type { ModelDeltas } from './events.js';
import { readSample, readTypeLine, seriesKey } from './exposition.js';
import type { Sample } from './exposition.js';
import { counterField, isReportedGauge, quantileMeasure } from './triton-series.js';
import type { CounterField } from './triton-series.js';

/**
 * Triton's Prometheus metrics (:8002/metrics, ingest-formats §10), posted once per scrape by
 * a forwarder. Counters are cumulative since start, so each scrape is compared with the
 * previous one of the same source (`ctx.memory`): the first is a baseline without model
 * events, later ones give one `metric` event per model with the increases, averages and
 * failure ratio over the interval. GPU/CPU gauges become `metric` events as they are.
 * Use one source per Triton server (or an `instance` label on every series): the exposition
 * does not name its server, and two servers' counters must not be subtracted from each other.
 */
export const tritonMetricsKind: SourceKind<undefined> = {
  type: 'triton-metrics',
  title: 'NVIDIA Triton Inference Server Prometheus metrics (one scrape per request)',
  category: 'inference',
  contentTypes: ['text/plain', 'application/openmetrics-text', '*'],
  auth: ['bearer', 'basic', 'hmac'],
  async normalise(request: SourceRequest, ctx: SourceContext<undefined>): Promise<NormaliseResult> {
    const findings = new Findings();
    const root = findings.root();
    const text = decodeUtf8Text(request.body, root);
    if (text === undefined) return findings.result([]);
    const lines = splitLines(text);
    if (lines.length === 0) {
      root.error(
        "the body is empty; send one scrape of Triton's /metrics (Prometheus text format).",
      );
      return findings.result([]);
    }
    const types = new Map<string, string>();
    const samples = readExposition(lines, root, types);
    const scrape = sha256Hex(text).slice(0, 32);
    const time = scrapeTime(samples, root);
    const interval = await scrapeInterval(ctx.memory, ctx.now);
    const byModel = new Map<string, ModelDeltas>();
    const drafts: Omit<NormalisedEvent, 'time'>[] = [];
    // One memory round trip per counter, all at once (the memory may be remote).
    const deltas = await Promise.all(
      samples.map(({ sample, at }) =>
        counterField(sample.name) === undefined
          ? Promise.resolve(undefined)
          : counterDelta(ctx.memory, sample, at),
      ),
    );
    for (const [index, { sample }] of samples.entries()) {
      const field = counterField(sample.name);
      if (field !== undefined) {
        addCounter(byModel, sample, field, deltas[index]);
      } else if (quantileMeasure(sample.name, sample.labels.quantile) !== undefined) {
        addQuantile(byModel, sample);
      } else if (isReportedGauge(sample.name, types.get(sample.name))) {
        drafts.push(gaugeEvent(sample, scrape));
      }
    }
    for (const model of byModel.values())
      if (Object.keys(model.deltas).length > 0) drafts.push(modelEvent(model, interval, scrape));
    if (byModel.size > 0 && [...byModel.values()].every((m) => Object.keys(m.deltas).length === 0))
      root.warn(
        "first scrape of this source (or the first after an hour's gap): its counters are the baseline, and the next scrape gives the per-model events.",
      );
    const events = drafts.map((draft) =>
      time === undefined
        ? withReceiptTime(draft, ctx.now)
        : applyTimeClamp({ ...draft, time }, ctx.now, root),
    );
    return findings.batch(events);
  },
};

interface LocatedSample {
  readonly sample: Sample;
  readonly at: Location;
}

/**
 * Every sample line, checked; bad lines are reported on their own line (a batch item each)
 * and left out. `# TYPE` lines fill `types` (a declared gauge is reported as one) and warn when
 * a Triton counter is declared something else.
 */
function readExposition(
  lines: ReturnType<typeof splitLines>,
  root: Location,
  types: Map<string, string>,
): LocatedSample[] {
  const out: LocatedSample[] = [];
  const seen = new Map<string, number>();
  for (const line of lines) {
    const at = lineAt(root, line);
    const trimmed = line.text.trim();
    if (trimmed.startsWith('#')) {
      const declared = readTypeLine(trimmed);
      if (declared !== undefined) types.set(declared.name, declared.type);
      if (
        declared !== undefined &&
        counterField(declared.name) !== undefined &&
        declared.type !== 'counter'
      )
        at.warn(
          `declares ${declared.name} a ${declared.type}, but Triton documents it as a cumulative counter; it was read as a counter.`,
        );
      continue;
    }
    const read = readSample(trimmed, line.index);
    if (!read.ok) {
      for (const reason of read.reasons) at.error(reason);
      continue;
    }
    const { sample } = read;
    const key = seriesKey(sample.name, sample.labels);
    const first = seen.get(key);
    if (first !== undefined) {
      at.error(
        `repeats the series ${key} of line ${first + 1}; a scrape has one value per series (two scrapes concatenated?).`,
      );
      continue;
    }
    seen.set(key, line.index);
    if (!checkSample(sample, at)) continue;
    out.push({ sample, at });
  }
  return out;
}

function checkSample(sample: Sample, at: Location): boolean {
  if (!Number.isFinite(sample.value)) {
    at.error(
      `value ${sample.value} of ${sample.name} cannot be recorded (measures are finite numbers); Triton writes NaN when a GPU reading failed.`,
    );
    return false;
  }
  if (counterField(sample.name) !== undefined) {
    if (sample.value < 0) {
      at.error(
        `${sample.name} is a cumulative counter and cannot be negative; got ${sample.value}.`,
      );
      return false;
    }
    if (sample.labels.model === undefined || sample.labels.model === '') {
      at.error(
        `${sample.name} needs a model label (per-model counter); got ${seriesKey(sample.name, sample.labels)}.`,
      );
      return false;
    }
  }
  return true;
}

/** The scrape's own time when the exposition carries sample timestamps (Triton's does not). */
function scrapeTime(samples: readonly LocatedSample[], root: Location): number | undefined {
  let latest: number | undefined;
  for (const { sample } of samples)
    if (sample.timestamp !== undefined) latest = Math.max(latest ?? 0, sample.timestamp);
  if (latest === undefined) return undefined;
  const checked = checkEpochMs(latest);
  if (checked.ok) return checked.ms;
  root.warn(`sample timestamps are not usable (${checked.reason}); the receipt time was used.`);
  return undefined;
}

function modelEntry(byModel: Map<string, ModelDeltas>, sample: Sample): ModelDeltas {
  const { model = '', version, instance } = sample.labels;
  const key = JSON.stringify([model, version, instance]);
  let entry = byModel.get(key);
  if (entry === undefined) {
    entry = { model, version, instance, deltas: {}, totals: {}, quantiles: {} };
    byModel.set(key, entry);
  }
  return entry;
}

function addQuantile(byModel: Map<string, ModelDeltas>, sample: Sample): void {
  const measure = quantileMeasure(sample.name, sample.labels.quantile);
  if (measure === undefined || sample.labels.model === undefined) return;
  modelEntry(byModel, sample).quantiles[measure] = Math.round((sample.value / 1000) * 1e6) / 1e6;
}

function addCounter(
  byModel: Map<string, ModelDeltas>,
  sample: Sample,
  field: CounterField,
  delta: number | undefined,
): void {
  const entry = modelEntry(byModel, sample);
  entry.totals[field] = sample.value;
  if (delta !== undefined) entry.deltas[field] = delta;
}
