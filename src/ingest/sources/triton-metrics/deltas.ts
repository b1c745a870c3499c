import type { Location } from '../../normalizers/findings.js';
import type { SourceMemory } from '../source-kind.js';
import type { Sample } from './exposition.js';
import { seriesKey } from './exposition.js';

/**
 * How long a scrape's counter values are remembered. Past this gap the next scrape is a new
 * baseline: a delta over hours says little about the current rate.
 */
export const COUNTER_TTL_MS = 60 * 60_000;

/**
 * The increase of a cumulative counter since the previous scrape of this source, or
 * undefined on the first scrape (the baseline). A decrease means Triton restarted and the
 * counter began again from 0, so the current value is the increase since the restart.
 */
export async function counterDelta(
  memory: SourceMemory,
  sample: Sample,
  at: Location,
): Promise<number | undefined> {
  const key = `triton-counter|${seriesKey(sample.name, sample.labels)}`;
  const before = await memory.swap(key, String(sample.value), COUNTER_TTL_MS);
  if (before === undefined) return undefined;
  const previous = Number(before);
  if (!Number.isFinite(previous)) return undefined;
  if (sample.value >= previous) return sample.value - previous;
  at.warn(
    `${seriesKey(sample.name, sample.labels)} went down from ${previous} to ${sample.value}: Triton restarted (counters start again at 0), so ${sample.value} was taken as the increase.`,
  );
  return sample.value;
}

/** Milliseconds since this source's previous scrape, when it is remembered. */
export async function scrapeInterval(
  memory: SourceMemory,
  now: number,
): Promise<number | undefined> {
  const before = await memory.swap('triton-scrape-time', String(now), COUNTER_TTL_MS);
  const previous = Number(before);
  return before !== undefined && Number.isFinite(previous) && now > previous
    ? now - previous
    : undefined;
}
