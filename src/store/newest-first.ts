import type { ScriptRunner } from './redis-scripts.js';

/** A ZSET member with its score. */
export interface Scored {
  readonly member: string;
  readonly score: number;
}

/**
 * Members of the ZSET `key`, highest score first, for a caller paging through it in an order
 * of its own among equal scores (Redis orders ties by bytes, JavaScript by UTF-16 units): no
 * member is missed, whatever that order.
 *
 * From the top (`from` undefined): `count` members, then the rest of the last one's score. From
 * a page's last score (`from`): every member scored `from` (the caller drops those it has
 * shown), then `count` scored below it and the rest of the last one's score. Every member
 * scored at or above the lowest score answered is in the answer; `more` says whether members
 * scored below it may follow. One script (pageNewest-1.lua): a member removed meanwhile cannot
 * split the reads.
 */
export async function newestFirst(
  scripts: ScriptRunner,
  key: string,
  count: number,
  from?: number,
): Promise<{ readonly items: readonly Scored[]; readonly more: boolean }> {
  const flat = (await scripts.run(
    'pageNewest',
    [key],
    [Math.max(1, Math.floor(count)), from === undefined ? '' : String(from)],
  )) as (string | number)[];
  const items: Scored[] = [];
  for (let i = 1; i + 1 < flat.length; i += 2)
    items.push({ member: String(flat[i]), score: Number(flat[i + 1]) });
  return { items, more: Number(flat[0]) === 1 };
}
