/** See remove-stale.mjs. */
export function removeStale(
  outDir: string,
  srcDir: string,
  skip?: readonly string[],
  dir?: string,
): void;

/** See remove-stale.mjs. */
export function hasMissingOutput(
  outDir: string,
  srcDir: string,
  skip?: readonly string[],
  dir?: string,
): boolean;
