/** ` (through the processing pipeline(s) a, b)` for a content summary, or "" when none apply. */
export function pipelinesNote(names: readonly string[] = []): string {
  return names.length === 0 ? '' : ` (through the processing pipeline(s) ${names.join(', ')})`;
}
