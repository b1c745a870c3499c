import type { NormalisedEvent, Severity } from '../../canonical-event.js';

type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/** `[LEVEL] thread logger - message` (ts_log.log / model_log.log, after the time). */
const TS_LOG = /^\[\s*([A-Z]+)\s*\]\s+(\S+)\s+(\S+)\s+-\s?(.*)$/s;

const LEVELS: Readonly<Record<string, Severity>> = {
  TRACE: 'info',
  DEBUG: 'info',
  INFO: 'info',
  WARN: 'medium',
  WARNING: 'medium',
  ERROR: 'high',
  FATAL: 'critical',
};

/** Longest message kept in a label; a stack trace continues on later lines. */
export const MESSAGE_LIMIT = 4000;

export interface TsLogLine {
  readonly level: string;
  readonly thread: string;
  readonly logger: string;
  readonly message: string;
}

export function parseTsLogLine(body: string): TsLogLine | undefined {
  const m = TS_LOG.exec(body);
  if (!m) return undefined;
  const [, level = '', thread = '', logger = '', message = ''] = m;
  return { level, thread, logger, message };
}

/**
 * Worker threads are named `W-<port>-<model>_<version>` (`W-9000-fraud-scorer_1.0-stdout`):
 * the model a backend line is about.
 */
function modelOfThread(thread: string): { model: string; version: string } | undefined {
  const m = /^W-\d+-(.+)_([^_]+?)(?:-(?:stdout|stderr))?$/.exec(thread);
  return m?.[1] !== undefined && m[2] !== undefined ? { model: m[1], version: m[2] } : undefined;
}

/** A `log` event; returns a reason for an unknown level. */
export function logEvent(line: TsLogLine): Draft | string {
  const severity = LEVELS[line.level];
  if (severity === undefined)
    return `level ${JSON.stringify(line.level)} is not a log4j level (${Object.keys(LEVELS).join(', ')}).`;
  const target = modelOfThread(line.thread);
  return {
    kind: 'log',
    name: line.logger,
    severity,
    outcome: 'unknown',
    entity: target === undefined ? {} : { model: target.model, model_version: target.version },
    measures: {},
    labels: {
      level: line.level,
      thread: line.thread,
      logger: line.logger,
      message: line.message.slice(0, MESSAGE_LIMIT),
      log: 'ts_log',
    },
  };
}
