import { absence } from './absence/index.js';
import { anomaly } from './anomaly/index.js';
import { baselineSpike } from './baseline-spike/index.js';
import { eventCount } from './event-count/index.js';
import { newTerms } from './new-terms/index.js';
import { riskAccumulation } from './risk-accumulation/index.js';
import { temporalOrdered } from './temporal-ordered/index.js';
import { temporal } from './temporal/index.js';
import type { CorrelationTypeModule } from './type-module.js';
import { valueAvg } from './value-avg/index.js';
import { valueCount } from './value-count/index.js';
import { valueMedian, valuePercentile } from './value-percentile/index.js';
import { valueSum } from './value-sum/index.js';

/** Every correlation type Cordon runs. Adding one is a folder and a line here. */
export const CORRELATION_TYPES: readonly CorrelationTypeModule[] = [
  eventCount,
  valueCount,
  temporal,
  temporalOrdered,
  valueSum,
  valueAvg,
  valuePercentile,
  valueMedian,
  newTerms,
  baselineSpike,
  absence,
  riskAccumulation,
  anomaly,
];

/**
 * Types named in Cordon's design that are not built yet: reported as not implemented, never
 * as invalid.
 */
export const PLANNED_TYPES: ReadonlyMap<string, string> = new Map<string, string>([]);

const BY_NAME = new Map(CORRELATION_TYPES.map((t) => [t.name, t]));

export function correlationType(name: string): CorrelationTypeModule | undefined {
  return BY_NAME.get(name);
}

export const SIGMA_TYPES: readonly string[] = CORRELATION_TYPES.filter((t) => !t.extension).map(
  (t) => t.name,
);
export const EXTENSION_TYPES: readonly string[] = CORRELATION_TYPES.filter((t) => t.extension).map(
  (t) => t.name,
);
