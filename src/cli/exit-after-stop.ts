import type { Logger } from '../shared/logger.js';

/**
 * After a graceful stop, everything Cordon opened is closed and the process should end by
 * itself. Should something still hold it (a client library's timer or socket), it would
 * outlive its stop until an orchestrator kills it: so it exits `graceMs` later regardless,
 * naming what held it. The timer does not itself hold the process.
 */
export function exitAfterStop(code: number, logger: Logger, graceMs = 2_000): void {
  setTimeout(() => {
    logger.warn(
      { holding: process.getActiveResourcesInfo() },
      'stopped, but something still held the process; exiting',
    );
    process.exit(code);
  }, graceMs).unref();
}
