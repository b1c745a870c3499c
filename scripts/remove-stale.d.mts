/** See remove-stale.mjs. */
export function removeStale(
  outDir: string,
  srcDir: string,
  skip?: readonly string[],
  dir?: string,
): void;
