import type { Logger } from '../../shared/logger.js';

/**
 * A child logger made only when a line is written. pino builds a child's bindings (through
 * the redaction paths) when the child is made, whether or not anything is logged; on a run's
 * hot path (one child per step and per applied event, at a level that writes nothing) that
 * was ~3 % of a run's CPU in the playbook bench's profile.
 */
export function lazyChild(logger: Logger, bindings: () => Record<string, unknown>): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= logger.child(bindings()));
}
