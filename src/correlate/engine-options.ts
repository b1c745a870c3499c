import type { ConnectorDefinition } from '../config/connectors.js';
import type { Config } from '../config/load-config.js';
import type { EngineOptions } from './engine/engine.js';

/** Contributing event ids a match lists at most. */
const MAX_REFS_PER_MATCH = 50;

/**
 * Engine settings from configuration: the state caps, the default watermark and each source
 * connector's own. The live correlator, `cordon replay` and `cordon test` share them, so a
 * replay or a rule test judges events as live correlation would.
 */
export function engineOptions(
  correlate: Config['correlate'],
  connectors: readonly Pick<ConnectorDefinition, 'name' | 'kind' | 'watermark'>[],
  partitions = correlate.partitions,
): EngineOptions {
  const timing = {
    outOfOrdernessMs: correlate.maxOutOfOrdernessMs,
    idleMs: correlate.sourceIdleMs,
  };
  return {
    limits: {
      partitions,
      maxGroupsPerRule: correlate.maxGroupsPerRule,
      maxEventsPerGroup: correlate.maxEventsPerGroup,
      maxDistinctExact: correlate.maxDistinctExact,
      maxRefsPerMatch: MAX_REFS_PER_MATCH,
    },
    timing,
    sourceTiming: new Map(
      connectors
        .filter((c) => c.kind === 'source')
        .map((c) => [
          c.name,
          {
            outOfOrdernessMs: c.watermark.outOfOrdernessMs ?? timing.outOfOrdernessMs,
            idleMs: c.watermark.idleMs ?? timing.idleMs,
          },
        ]),
    ),
  };
}
