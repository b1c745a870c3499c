import type { CompiledCorrelation } from '../../rule/types.js';
import type { Aggregation } from '../aggregation.js';
import type { RuleRuntime } from '../runtime.js';
import { sessionRuntime } from './session.js';
import { slidingRuntime } from './sliding.js';
import { tumblingRuntime } from './tumbling.js';

/**
 * The runtime of a window-based type: the rule's window kind around the type's aggregation.
 * `keepMs`: how much longer than its timespan a sliding window keeps events (so `refire` can
 * still decide a window a withdrawal arriving that much later reaches).
 */
export function windowRuntime(
  rule: CompiledCorrelation,
  aggregation: Aggregation,
  keepMs = 0,
): RuleRuntime {
  const window = rule.window;
  switch (window.kind) {
    case 'sliding':
      return slidingRuntime(rule, aggregation, keepMs);
    case 'tumbling':
      return tumblingRuntime(rule, aggregation);
    case 'session':
      return sessionRuntime(rule, aggregation, window.gapMs);
  }
}
