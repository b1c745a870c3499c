import { CordonError } from '../shared/errors.js';
import { heldTargetOf, type HoldTarget } from '../store/effect-ledger.js';
import type { LimitRule } from '../store/limiter-store.js';
import type { Scored } from '../store/newest-first.js';
import { holdFamilies, holdsView } from './connectors/holds-view.js';
import type { ActionInstance } from './connectors/instance-config.js';

/**
 * Everything Cordon keeps contained now, for a person (GET /v1/containment): the keys its
 * built-in limiter throttles or blocks and the targets runs hold on outbound gateways (Kong,
 * LiteLLM, API Gateway), newest first, each with the runs holding it and when it lifts. The
 * two come from two indexes (the limiter's keys, the held targets); this pages through both
 * as one list, in one order, with a cursor that survives changes between pages.
 */

/** One run (or person) keeping a target contained; the first of an item's is in force. */
export interface ContainmentHolder {
  /** The run that placed it (the limiter: whoever set it, a run id or a principal). */
  readonly run: string;
  /** That run's status now; 'unknown' when it is gone or was no run. */
  readonly runStatus: string;
  readonly effect: string;
  readonly at: number;
  /**
   * When it lets go by itself: the limiter's own expiry of its limit, or the undo its run
   * scheduled (`expires`) while that is still to come; null: only an undo or a release.
   */
  readonly expiresAt: number | null;
  /**
   * Its entry in the run's undo book: 'applied' (in force, undone on cancel, failure or expiry),
   * 'undoing', 'undo-failed' (the undo failed after its retries and left it in force: POST
   * /v1/runs/{id}/retry-undo), or null (no undo declared, or no run to ask).
   */
  readonly undo: string | null;
}

export interface ContainmentItem {
  /** The connector instance holding it; null for the built-in limiter (one for all). */
  readonly connector: string | null;
  /** The connector type ('builtin-limiter', 'kong', …; 'unknown' for an instance since removed). */
  readonly type: string;
  /** The limiter's mode ('throttle', 'block') or the hold's family ('ratelimit', 'key', 'access'). */
  readonly kind: string;
  readonly key: string;
  /** When containment was last placed on it (a hold, or a limit): the list's order. */
  readonly at: number;
  /** When the target is free by itself: the last holder's expiry; null if one never expires. */
  readonly expiresAt: number | null;
  readonly holders: readonly ContainmentHolder[];
  /** The API path that shows everything on the target. */
  readonly detail: string;
}

/** Where a page ends: the last item's score and its id in the order (source tag + member). */
export interface ContainmentCursor {
  readonly score: number;
  readonly id: string;
}

export interface ContainmentPage {
  readonly items: readonly ContainmentItem[];
  readonly next: ContainmentCursor | null;
}

/** What the reader reads through (the stores; fakes in unit tests). */
export interface ContainmentSources {
  readonly limiter: {
    limitedKeys(count: number, from?: number): Promise<{ items: readonly Scored[]; more: boolean }>;
    rule(key: string, now?: number): Promise<LimitRule | undefined>;
    /** Takes a key whose every limit has lifted off the index (false: one is in force again). */
    forgetLifted(key: string, now: number): Promise<boolean>;
  };
  readonly ledger: {
    heldTargets(count: number, from?: number): Promise<{ items: readonly Scored[]; more: boolean }>;
    holdsOf(target: HoldTarget): Promise<Record<string, string>>;
  };
  readonly runs: {
    undoView(
      id: string,
    ): Promise<
      | { readonly status: string; readonly undo?: { readonly entries: readonly UndoLike[] } }
      | undefined
    >;
  };
}

interface UndoLike {
  readonly effectKey: string;
  readonly expiresAt?: number;
  readonly status: string;
}

export interface ContainmentQuery {
  /** Only this connector's (a builtin-limiter instance: the limiter's). */
  readonly connector?: string;
  readonly limit: number;
  readonly after?: ContainmentCursor;
}

export interface ContainmentReader {
  page(query: ContainmentQuery, now: number): Promise<ContainmentPage>;
}

/** Index entries looked at per item asked for, at most, before a page ends short (`next` goes on). */
const SCAN_PER_ITEM = 10;

/** Index reads one page makes at most, whatever it skips. */
const MAX_ROUNDS = 16;
/** Entries one index read asks for at most (more when a page's budget is bigger). */
const MAX_READ = 5_000;

const LIMITER = 'l';
const HELD = 'h';

/** Whether `a` comes before `b`: higher score first, then the higher id (a total order). */
function before(a: ContainmentCursor, b: ContainmentCursor): boolean {
  return a.score > b.score || (a.score === b.score && a.id > b.id);
}

/** The cursor as it travels in a URL (base64url JSON); pure. */
export function encodeCursor(cursor: ContainmentCursor): string {
  return Buffer.from(JSON.stringify([cursor.score, cursor.id])).toString('base64url');
}

/** A cursor from a URL; a CordonError naming the fix when it is not one `next` gave. */
export function decodeCursor(text: string): ContainmentCursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'number' &&
      Number.isFinite(parsed[0]) &&
      typeof parsed[1] === 'string'
    )
      return { score: parsed[0], id: parsed[1] };
  } catch {
    // Falls through to the error below.
  }
  throw new CordonError(
    'CORDON_ERR_API_INVALID_REQUEST',
    `querystring/cursor ${JSON.stringify(text.slice(0, 64))} is not a cursor this API gave; pass the "next" of the page before, or leave cursor out for the first page.`,
  );
}

interface Candidate extends ContainmentCursor {
  readonly source: typeof LIMITER | typeof HELD;
  readonly member: string;
}

/**
 * A reader over the connector instances, disabled ones too (`instances`: which names hold
 * what) and the stores. Index entries whose containment has lifted (a limit past its expiry, a
 * target whose holds are gone) are skipped, lifted limits taken off the limiter's index; a page
 * resolves at most SCAN_PER_ITEM entries per item asked for, so one may end short with `next`
 * set: follow `next` until it is null.
 */
export function containmentReader(
  instances: readonly ActionInstance[],
  sources: ContainmentSources,
): ContainmentReader {
  const typeOf = new Map(instances.map((i) => [i.name, i.type] as const));
  return {
    async page(query, now) {
      const only = query.connector;
      let limiter = true;
      let held = true;
      if (only !== undefined) {
        // A disabled connector's holds stay until undone: it may be asked for too.
        const instance = instances.find((i) => i.name === only);
        if (!instance)
          throw new CordonError(
            'CORDON_ERR_API_NOT_FOUND',
            `No action connector "${only}" in connectors/. Name one of the connectors your playbooks act through, or leave connector out for everything contained.`,
          );
        limiter = instance.type === 'builtin-limiter';
        held = holdFamilies(instance).length > 0;
        if (!limiter && !held)
          throw new CordonError(
            'CORDON_ERR_API_NOT_FOUND',
            `Connector "${only}" (${instance.type}) keeps nothing contained that Cordon tracks: only the built-in limiter and the outbound gateways do (kong, litellm-proxy, aws-apigateway).`,
          );
      }
      const items: Draft[] = [];
      let after = query.after;
      // Entries resolved (a Redis read each) before the page ends short; another connector's
      // held targets, skipped by name alone, cost nothing and do not count.
      let budget = query.limit * SCAN_PER_ITEM;
      // Entries read per round: what is still wanted, doubling while entries are skipped, so a
      // page takes a handful of rounds whatever it skips (and MAX_ROUNDS at most).
      let want = query.limit + 1;
      const maxRead = Math.max(query.limit * SCAN_PER_ITEM, MAX_READ);
      const skippedByName = (c: Candidate): boolean =>
        only !== undefined && c.source === HELD && heldTargetOf(c.member)?.instance !== only;
      for (let round = 1; ; round += 1) {
        const [fromLimiter, fromHeld] = await Promise.all([
          limiter ? sources.limiter.limitedKeys(want, after?.score) : none(),
          held ? sources.ledger.heldTargets(want, after?.score) : none(),
        ]);
        const { candidates, complete } = merge(
          tagged(LIMITER, fromLimiter),
          tagged(HELD, fromHeld),
          after,
        );
        const looked: Candidate[] = [];
        let cost = 0;
        for (const c of candidates) {
          const free = skippedByName(c);
          if (!free && cost >= budget) break;
          if (!free) cost += 1;
          looked.push(c);
        }
        const resolved = await Promise.all(
          looked.map((c) =>
            skippedByName(c)
              ? Promise.resolve(undefined)
              : c.source === LIMITER
                ? limited(c, now)
                : heldOn(c, now),
          ),
        );
        // Up to the page's last item: what lies beyond it is read again by the next page.
        let used = 0;
        for (const [n, item] of resolved.entries()) {
          used += 1;
          if (!skippedByName(looked[n] as Candidate)) budget -= 1;
          if (item) items.push(item);
          if (items.length >= query.limit) break;
        }
        const last = looked[used - 1];
        if (last) after = { score: last.score, id: last.id };
        if (complete && used === candidates.length)
          return { items: await withRuns(items, sources), next: null };
        if (items.length >= query.limit || budget <= 0 || round >= MAX_ROUNDS)
          return { items: await withRuns(items, sources), next: after ?? null };
        want = Math.min(maxRead, Math.max(want * 2, query.limit - items.length + 1));
      }
    },
  };

  async function limited(c: Candidate, now: number): Promise<Draft | undefined> {
    const rule = await sources.limiter.rule(c.member, now);
    if (!rule) {
      // Lifted: off the index, so the next list does not wade through it again.
      await sources.limiter.forgetLifted(c.member, now);
      return undefined;
    }
    const layers = [rule, ...rule.under];
    return {
      connector: null,
      type: 'builtin-limiter',
      kind: rule.mode,
      key: rule.key,
      at: c.score,
      holders: layers.map((l) => ({
        run: l.setBy,
        effect: l.effect,
        at: l.setAt,
        // The limiter lifts it at its expiry, whatever its run's undo does.
        expiresAt: l.expiresAt > 0 ? l.expiresAt : null,
      })),
      detail: `/v1/limiter/keys/${encodeURIComponent(rule.key)}`,
    };
  }

  async function heldOn(c: Candidate, now: number): Promise<Draft | undefined> {
    const target = heldTargetOf(c.member);
    if (!target) return undefined;
    const view = holdsView(target.family, await sources.ledger.holdsOf(target), now);
    if (view.holders.length === 0) return undefined;
    return {
      connector: target.instance,
      type: typeOf.get(target.instance) ?? 'unknown',
      kind: target.family,
      key: target.key,
      at: c.score,
      // From the holder runs' books (withRuns): when each one's undo is scheduled.
      holders: view.holders.map((h) => ({
        run: h.run,
        effect: h.effect,
        at: h.at,
        expiresAt: null,
      })),
      detail: `/v1/connectors/${encodeURIComponent(target.instance)}/holds/${encodeURIComponent(target.key)}`,
    };
  }
}

/** An item before its holders' run statuses (and, for holds, their expiries) are read. */
type Draft = Omit<ContainmentItem, 'holders' | 'expiresAt'> & {
  readonly holders: readonly Omit<ContainmentHolder, 'runStatus' | 'undo'>[];
};

async function none(): Promise<{ items: readonly Scored[]; more: boolean }> {
  return { items: [], more: false };
}

function tagged(
  source: typeof LIMITER | typeof HELD,
  read: { items: readonly Scored[]; more: boolean },
): { candidates: Candidate[]; more: boolean } {
  return {
    candidates: read.items.map((s) => ({
      source,
      member: s.member,
      score: s.score,
      id: source + s.member,
    })),
    more: read.more,
  };
}

/**
 * Both sources' candidates after `after`, in the one order, cut where a source that may have
 * more stops (below its last entry read, what it holds is not known yet); pure.
 */
export function merge(
  a: { candidates: readonly Candidate[]; more: boolean },
  b: { candidates: readonly Candidate[]; more: boolean },
  after: ContainmentCursor | undefined,
): { candidates: Candidate[]; complete: boolean } {
  const bounds = [a, b]
    .filter((s) => s.more)
    .map((s) => lowest(s.candidates))
    .filter((c): c is Candidate => c !== undefined);
  // The higher of the cut points: below it one source's entries are not all read.
  const cut = bounds.reduce<Candidate | undefined>(
    (hi, c) => (hi === undefined || before(c, hi) ? c : hi),
    undefined,
  );
  const all = [...a.candidates, ...b.candidates]
    .filter((c) => after === undefined || before(after, c))
    .filter((c) => cut === undefined || !before(cut, c))
    .sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
  return { candidates: all, complete: cut === undefined };
}

function lowest(candidates: readonly Candidate[]): Candidate | undefined {
  return candidates.reduce<Candidate | undefined>(
    (lo, c) => (lo === undefined || before(lo, c) ? c : lo),
    undefined,
  );
}

/**
 * Each holder's run status and undo-book entry, and when it lets go by itself: the earlier of
 * the limiter's own expiry and the undo its run schedules (an undo that failed on expiry
 * leaves it in force: no expiry).
 */
async function withRuns(
  drafts: readonly Draft[],
  sources: ContainmentSources,
): Promise<ContainmentItem[]> {
  const ids = [...new Set(drafts.flatMap((d) => d.holders.map((h) => h.run)))].filter((id) =>
    id.startsWith('run_'),
  );
  const runs = await Promise.all(ids.map((id) => sources.runs.undoView(id)));
  const byId = new Map(ids.map((id, i) => [id, runs[i]] as const));
  return drafts.map((d) => {
    const holders = d.holders.map((h) => {
      const run = byId.get(h.run);
      const entry = run?.undo?.entries.find((e) => e.effectKey === h.effect);
      // An expiry still to run (overdue too: its undo is queued or its worker is behind);
      // one whose undo failed is no expiry any more.
      const scheduled =
        entry?.status === 'applied' && entry.expiresAt !== undefined && entry.expiresAt > 0
          ? entry.expiresAt
          : null;
      const expiries = [h.expiresAt, scheduled].filter((e): e is number => e !== null);
      return {
        ...h,
        runStatus: run?.status ?? 'unknown',
        // The limiter lifts at its own expiry; the run's undo may come first.
        expiresAt: expiries.length > 0 ? Math.min(...expiries) : null,
        undo: entry?.status ?? null,
      };
    });
    const expiries = holders.map((h) => h.expiresAt);
    return {
      ...d,
      holders,
      expiresAt: expiries.some((e) => e === null) ? null : Math.max(...(expiries as number[])),
    };
  });
}
