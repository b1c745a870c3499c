import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { OptionsSpec } from '../source-kind.js';

export interface LoggerOptions {
  /** How long a request waits in memory for its response (ms). */
  readonly joinWindowMs: number;
}

const DEFAULT_JOIN_WINDOW_SECONDS = 300;
const MAX_JOIN_WINDOW_SECONDS = 86_400;

/**
 * `join_window_seconds`: slow models (batch scoring, large LLMs behind KServe) answer after
 * minutes; a request forgotten before its response arrives loses the latency.
 */
export const LOGGER_OPTIONS: OptionsSpec<LoggerOptions> = {
  keys: ['join_window_seconds'],
  compile(value, report) {
    if (value === undefined || value === null)
      return { joinWindowMs: DEFAULT_JOIN_WINDOW_SECONDS * 1000 };
    if (!isJsonObject(value)) {
      report([], `must be a mapping of options (join_window_seconds); got ${got(value)}.`);
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value))
      if (key !== 'join_window_seconds') {
        report([key], `is not an option of this source; the only one is join_window_seconds.`);
        ok = false;
      }
    const seconds = value.join_window_seconds ?? DEFAULT_JOIN_WINDOW_SECONDS;
    if (
      typeof seconds !== 'number' ||
      !Number.isInteger(seconds) ||
      seconds < 1 ||
      seconds > MAX_JOIN_WINDOW_SECONDS
    ) {
      report(
        ['join_window_seconds'],
        `must be a whole number of seconds from 1 to ${MAX_JOIN_WINDOW_SECONDS}; got ${got(seconds)}.`,
      );
      ok = false;
    }
    return ok ? { joinWindowMs: (seconds as number) * 1000 } : undefined;
  },
};
