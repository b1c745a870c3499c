import type { HoldEntry, HoldTarget } from '../../store/effect-ledger.js';
import type { ActionInstance } from './instance-config.js';
import { connectorType } from './registry.js';

/**
 * What the holds on one target say, for a person (GET /v1/connectors/:name/holds/:key): who
 * holds it, newest first, which holds an explicit release dropped, and whether an effect has
 * it taken now. Never the entries' inputs, results or the base's kept values (a Kong block's
 * credentials): only who, what and when.
 */
export interface HoldsView {
  readonly family: string;
  readonly holders: readonly {
    readonly effect: string;
    readonly run: string;
    readonly operation: string;
    readonly at: number;
    /** Its place in the stack (higher = newer). */
    readonly place: number;
  }[];
  readonly dropped: readonly string[];
  /** The effect acting on the target now (holds.ts `taken`), until its lease ends. */
  readonly takenBy: { readonly effect: string; readonly until: number } | null;
}

/** The families of containment a connector instance keeps holds for (none: it keeps none). */
export function holdFamilies(instance: Pick<ActionInstance, 'type'>): string[] {
  const type = connectorType(instance.type);
  const families = Object.values(type?.operations ?? {}).flatMap((op) =>
    op.holds ? [op.holds.family] : [],
  );
  return [...new Set(families)].sort();
}

/** A target's stored holds fields (holdEffect-4.lua names them) as a view; pure. */
export function holdsView(
  family: string,
  fields: Readonly<Record<string, string>>,
  now: number,
): HoldsView {
  const holders: HoldsView['holders'][number][] = [];
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('d:')) dropped.push(name.slice(2));
    if (!name.startsWith('h:')) continue;
    const effect = name.slice(2);
    let entry: Partial<HoldEntry> = {};
    try {
      entry = JSON.parse(value) as Partial<HoldEntry>;
    } catch {
      // A damaged entry still shows who held the target (its effect key).
    }
    holders.push({
      effect,
      run: typeof entry.run === 'string' ? entry.run : '',
      operation: typeof entry.operation === 'string' ? entry.operation : '',
      at: typeof entry.at === 'number' ? entry.at : 0,
      place: Number(fields[`s:${effect}`] ?? 0),
    });
  }
  holders.sort((a, b) => b.place - a.place);
  const lock = fields.lock;
  const until = Number(fields.lockUntil ?? 0);
  return {
    family,
    holders,
    dropped: dropped.sort(),
    takenBy: lock !== undefined && lock !== '' && until > now ? { effect: lock, until } : null,
  };
}

/** What the API reads holds through (ApiDeps.holds). */
export interface HoldsReader {
  /**
   * The families `connector` keeps holds for; undefined when no action connector has the name
   * (a disabled one's holds stay until undone, so it is read too).
   */
  families(connector: string): readonly string[] | undefined;
  read(
    connector: string,
    families: readonly string[],
    key: string,
    now: number,
  ): Promise<readonly HoldsView[]>;
}

/** A HoldsReader over the action connector instances, disabled ones too, and the ledger's holds. */
export function holdsReader(
  instances: readonly ActionInstance[],
  ledger: { holdsOf(target: HoldTarget): Promise<Record<string, string>> },
): HoldsReader {
  const byName = new Map(instances.map((i) => [i.name, holdFamilies(i)] as const));
  return {
    families: (connector) => byName.get(connector),
    read: async (connector, families, key, now) => {
      const views = await Promise.all(
        families.map(async (family) =>
          holdsView(family, await ledger.holdsOf({ instance: connector, family, key }), now),
        ),
      );
      return views.filter((v) => v.holders.length > 0 || v.dropped.length > 0 || v.takenBy);
    },
  };
}
