import type { RedisClient } from './redis.js';

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
 * scored below it may follow.
 */
export async function newestFirst(
  redis: RedisClient,
  key: string,
  count: number,
  from?: number,
): Promise<{ readonly items: readonly Scored[]; readonly more: boolean }> {
  const [atFrom, flat] = await Promise.all([
    from === undefined ? [] : redis.zrangebyscore(key, String(from), String(from)),
    redis.zrevrangebyscore(
      key,
      from === undefined ? '+inf' : `(${from}`,
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      count,
    ),
  ]);
  const head = atFrom.map((member) => ({ member, score: from as number }));
  const below = pairs(flat);
  const last = below.at(-1);
  if (!last || below.length < count) return { items: [...head, ...below], more: false };
  const tie = String(last.score);
  const ties = await redis.zrangebyscore(key, tie, tie);
  return {
    items: [
      ...head,
      ...below.filter((i) => i.score > last.score),
      ...ties.map((member) => ({ member, score: last.score })),
    ],
    more: true,
  };
}

function pairs(flat: readonly string[]): Scored[] {
  const out: Scored[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ member: flat[i] as string, score: Number(flat[i + 1]) });
  return out;
}
