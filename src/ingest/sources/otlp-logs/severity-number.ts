import type { Severity } from '../../canonical-event.js';

/**
 * OTLP SeverityNumber ranges (logs data model): 1–4 TRACE, 5–8 DEBUG, 9–12 INFO, 13–16 WARN,
 * 17–20 ERROR, 21–24 FATAL. 0 is "unspecified" (undefined here: the text decides).
 */
export function severityFromNumber(n: number): Severity | undefined {
  if (n <= 0) return undefined;
  if (n <= 12) return 'info';
  if (n <= 16) return 'medium';
  if (n <= 20) return 'high';
  return 'critical';
}

/** Protobuf JSON may write the enum by name (`SEVERITY_NUMBER_WARN2`). */
const NAMES: ReadonlyMap<string, number> = new Map(
  ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((word, band) =>
    [1, 2, 3, 4].map((k) => [`SEVERITY_NUMBER_${word}${k === 1 ? '' : k}`, band * 4 + k] as const),
  ),
);

export function severityNumberFromName(name: string): number | undefined {
  if (name === 'SEVERITY_NUMBER_UNSPECIFIED') return 0;
  return NAMES.get(name);
}
