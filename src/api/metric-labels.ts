/**
 * Metric label values come from a fixed set (configured sources, route patterns), never from
 * a request as sent: every distinct value is a new series kept for the life of the process,
 * so a client inventing names could grow memory and the scrape without bound. Anything not in
 * the set is counted under this one value, which no source name can take (they start with a
 * letter).
 */
export const UNKNOWN_LABEL = '_unknown';

/** `value` when the set has it, else UNKNOWN_LABEL. */
export function knownLabel(value: string, known: (value: string) => boolean): string {
  return known(value) ? value : UNKNOWN_LABEL;
}
