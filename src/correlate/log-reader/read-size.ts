/** Entries in the first read after a seek (at most the batch size). */
export const FIRST_READ_ENTRIES = 256;

/**
 * How many entries the first read after a seek asks for. Reads start small and double up to
 * the batch size: a whole first batch (thousands of entries, read, parsed and routed on a
 * thread still cold) kept the correlator idle for a quarter of a second or more after every
 * start and restore, where a small one lets it begin applying while the thread reads on.
 */
export function firstReadSize(batchSize: number): number {
  return Math.max(1, Math.min(batchSize, FIRST_READ_ENTRIES));
}

/** The size of the read after one of `size` entries. */
export function nextReadSize(size: number, batchSize: number): number {
  return Math.min(batchSize, size * 2);
}
