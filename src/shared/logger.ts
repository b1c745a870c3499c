import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './log-format.js';

export type { Logger };

/**
 * Static redaction paths (never built from user input, per pino's advice). They cover
 * request headers that carry credentials and any field conventionally holding a secret.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-splunk-token"]',
  'headers.authorization',
  'token',
  'password',
  'secret',
  'apiKey',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  'secrets.*',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cordon' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export { LOG_FORMATS, type LogFormat } from './log-format.js';

/**
 * Where log lines go: undefined (pino's JSON on stdout) unless the format asks for readable
 * lines, or `auto` finds stdout is a terminal. Collectors parse JSON, people read text; a
 * process started by a supervisor never has a TTY, so production stays JSON.
 */
export function logDestination(
  format: LogFormat,
  stdout: { readonly isTTY?: boolean } = process.stdout,
  /** Where readable lines go (stdout unless a test captures them). */
  to?: NodeJS.WritableStream,
): DestinationStream | undefined {
  if (format === 'json' || (format === 'auto' && stdout.isTTY !== true)) return undefined;
  return pretty({
    colorize: stdout.isTTY === true,
    // Synchronous, like pino's own stdout writes: no line is lost when the process exits.
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'service,pid,hostname',
    ...(to ? { destination: to } : {}),
  });
}
