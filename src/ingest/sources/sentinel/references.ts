import type { Location } from '../../normalizers/findings.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/**
 * JSON.NET's preserved references (`"$id": "2"` declares, `{"$ref": "2"}` points back), as
 * Sentinel writes entity lists: an entity appears once in full, later only as a ref. Returns
 * the list with top-level refs replaced by their targets (each entity once), after reporting
 * every ref, at any depth, whose `$id` is declared nowhere. undefined = reported.
 */
export function resolveEntityRefs(
  list: readonly unknown[],
  at: Location,
): JsonObject[] | undefined {
  const byId = new Map<string, JsonObject>();
  const refs: { id: string; at: Location }[] = [];
  const walk = (node: unknown, where: Location, depth: number): void => {
    if (depth > 20) return;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, where.child(i), depth + 1));
    else if (isJsonObject(node)) {
      const id = node.$id;
      const ref = node.$ref;
      if (typeof id === 'string' || typeof id === 'number') byId.set(String(id), node);
      if (typeof ref === 'string' || typeof ref === 'number')
        refs.push({ id: String(ref), at: where.child('$ref') });
      for (const [key, value] of Object.entries(node)) walk(value, where.child(key), depth + 1);
    }
  };
  walk(list, at, 0);
  let ok = true;
  for (const ref of refs)
    if (!byId.has(ref.id)) {
      ref.at.error(
        `refers to "$id": "${ref.id}", which no entity in this list declares. Export the entities whole (every $ref needs its $id).`,
      );
      ok = false;
    }
  if (!ok) return undefined;
  const out: JsonObject[] = [];
  const seen = new Set<JsonObject>();
  for (const item of list) {
    if (!isJsonObject(item)) continue;
    const ref = item.$ref;
    const target =
      typeof ref === 'string' || typeof ref === 'number' ? byId.get(String(ref)) : item;
    if (target !== undefined && !seen.has(target)) {
      seen.add(target);
      out.push(target);
    }
  }
  return out;
}
