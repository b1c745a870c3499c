/**
 * The log formats `CORDON_LOG_FORMAT` takes, apart from the logger itself so that reading the
 * configuration does not load pino (commands that never log, such as `cordon replay`, start
 * faster). `auto`: readable lines on a terminal, JSON (one object per line) anywhere else.
 */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
