/**
 * Correlation state is split into a fixed number of partitions by (rule, group): each partition
 * is owned by one correlator at a time, checkpointed as a unit, and its Redis keys share one
 * hash tag, so every atomic write touches one cluster slot. The hash must never change: it
 * decides where existing state lives.
 */
export function partitionOf(ruleKey: string, groupKey: string, partitions: number): number {
  if (partitions <= 1) return 0;
  // FNV-1a, 32-bit, over the UTF-16 code units of "<rule>\n<group>".
  let h = 0x811c9dc5;
  for (let i = 0; i < ruleKey.length; i += 1) {
    h ^= ruleKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= 10;
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < groupKey.length; i += 1) {
    h ^= groupKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
