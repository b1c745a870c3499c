import { distinctEndpoints } from './distinct-endpoints.js';
import { distinctModels } from './distinct-models.js';
import { errorRatio } from './error-ratio.js';
import type { FeatureKind } from './feature-kind.js';
import { hourOfDay } from './hour-of-day.js';
import { inputDiversity } from './input-diversity.js';
import { latencyP95 } from './latency-p95.js';
import { newRegions } from './new-regions.js';
import { newUserAgents } from './new-user-agents.js';
import { requests } from './requests.js';
import { tokens } from './tokens.js';
import { unusualHour } from './unusual-hour.js';

/** Every feature kind `cordon.features` may name. Adding one is a file and a line here. */
export const FEATURE_KINDS: readonly FeatureKind[] = [
  requests,
  distinctModels,
  distinctEndpoints,
  errorRatio,
  tokens,
  latencyP95,
  newRegions,
  newUserAgents,
  hourOfDay,
  unusualHour,
  inputDiversity,
];

const BY_NAME = new Map(FEATURE_KINDS.map((f) => [f.name, f]));

export function featureKind(name: string): FeatureKind | undefined {
  return BY_NAME.get(name);
}

/** What an anomaly rule computes when it names no features. */
export const DEFAULT_FEATURES: readonly string[] = [
  'requests',
  'distinct_models',
  'error_ratio',
  'tokens',
  'latency_p95',
  'new_regions',
];
