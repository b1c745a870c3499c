import type { ConnectorDefinition } from '../../../config/connectors.js';
import { suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import { OPERATIONS } from '../../operations.js';
import type { RouteOptions } from './options.js';

/** The concrete instance a route picked for one operation, and the routes passed on the way. */
export interface RouteTarget {
  readonly name: string;
  readonly type: string;
  /** Route names from the one named to the one that listed the target. */
  readonly via: readonly string[];
}

export type RouteResolution =
  | { readonly ok: true; readonly target: RouteTarget }
  | { readonly ok: false; readonly reason: string };

/** What playbook validation asks of routes (PlaybookContext.routes). */
export interface ConnectorRoutes {
  has(name: string): boolean;
  /** The first enabled instance the route lists that offers `operation` (routes followed). */
  resolve(name: string, operation: string): RouteResolution;
}

interface Member {
  readonly name: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly route?: RouteOptions;
}

function routeOptions(def: ConnectorDefinition): RouteOptions | undefined {
  return def.type === 'route' && def.action ? (def.action.options as RouteOptions) : undefined;
}

function members(defs: readonly ConnectorDefinition[]): Map<string, Member> {
  const out = new Map<string, Member>();
  for (const d of defs) {
    if (d.kind !== 'action' || !d.action) continue;
    const route = routeOptions(d);
    out.set(d.name, {
      name: d.name,
      type: d.type,
      enabled: d.action.enabled,
      ...(route ? { route } : {}),
    });
  }
  return out;
}

/**
 * Checks every route once all connector files are read: its operations exist, each listed
 * instance exists and offers every one of them (a listed route must route them all), and no
 * route reaches itself. `report` locates each problem at the route's `options` entry.
 */
export function checkRoutes(
  defs: readonly ConnectorDefinition[],
  report: (route: ConnectorDefinition, path: YamlPath, message: string) => void,
): void {
  const all = members(defs);
  for (const def of defs) {
    const opts = routeOptions(def);
    if (!opts) continue;
    opts.operations.forEach((op, i) => {
      if (OPERATIONS[op]) return;
      const hint = suggest(op, Object.keys(OPERATIONS));
      report(
        def,
        ['options', 'operations', i],
        `Route "${def.name}" names operation "${op}", which no connector type offers.${hint ? ` Did you mean "${hint}"?` : ''}`,
      );
    });
    opts.try.forEach((name, i) => {
      const at: YamlPath = ['options', 'try', i];
      const m = all.get(name);
      if (!m) {
        const hint = suggest(name, [...all.keys()]);
        report(
          def,
          at,
          `Route "${def.name}" lists "${name}", which connectors/ does not define as an action connector.${hint ? ` Did you mean "${hint}"?` : ''} Action connectors: ${[...all.keys()].join(', ')}.`,
        );
        return;
      }
      if (m.name === def.name) {
        report(def, at, `Route "${def.name}" lists itself; remove it.`);
        return;
      }
      const missing = opts.operations.filter(
        (op) =>
          OPERATIONS[op] !== undefined &&
          (m.route
            ? !m.route.operations.includes(op)
            : !OPERATIONS[op]?.connectorTypes.includes(m.type)),
      );
      if (missing.length > 0)
        report(
          def,
          at,
          `Route "${def.name}" lists "${name}" (${m.route ? 'a route' : `type ${m.type}`}), which does not ${m.route ? 'route' : 'offer'} ${missing.join(', ')}; every instance a route lists must ${m.route ? 'route' : 'offer'} all its operations (${opts.operations.join(', ')}). Remove "${name}" or the operation.`,
        );
      const cycle = cycleFrom(def.name, name, all);
      if (cycle)
        report(
          def,
          at,
          `Route "${def.name}" loops: ${cycle.join(' → ')}. Remove "${name}" from its list or break the loop.`,
        );
    });
  }
}

/** The path def → member → … → def, when following routes from `member` reaches `start`. */
function cycleFrom(
  start: string,
  member: string,
  all: ReadonlyMap<string, Member>,
): string[] | undefined {
  const walk = (name: string, path: string[]): string[] | undefined => {
    if (name === start) return [...path, name];
    if (path.includes(name)) return undefined;
    const route = all.get(name)?.route;
    if (!route) return undefined;
    for (const next of route.try) {
      const found = walk(next, [...path, name]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(member, [start]);
}

/**
 * Routes over the connectors as configured: each resolves an operation to the first listed
 * instance that is enabled and offers it, following listed routes. Call after checkRoutes
 * found no problem (a loop is still cut, never followed forever).
 */
export function connectorRoutes(defs: readonly ConnectorDefinition[]): ConnectorRoutes {
  const all = members(defs);
  const resolve = (name: string, operation: string, via: readonly string[]): RouteResolution => {
    const route = all.get(name);
    if (!route?.route) return { ok: false, reason: `"${name}" is not a route` };
    if (!route.enabled)
      return { ok: false, reason: `route "${name}" is disabled (enabled: false)` };
    if (!route.route.operations.includes(operation))
      return {
        ok: false,
        reason: `route "${name}" does not route ${operation} (it routes ${route.route.operations.join(', ')}); add it to its options.operations`,
      };
    const skipped: string[] = [];
    for (const m of route.route.try) {
      const member = all.get(m);
      if (!member || via.includes(m)) continue;
      if (member.route) {
        const inner = resolve(m, operation, [...via, name]);
        if (inner.ok)
          return { ok: true, target: { ...inner.target, via: [name, ...inner.target.via] } };
        skipped.push(`${m}: ${inner.reason}`);
        continue;
      }
      if (!member.enabled) {
        skipped.push(`${m}: disabled`);
        continue;
      }
      if (!OPERATIONS[operation]?.connectorTypes.includes(member.type)) {
        skipped.push(`${m}: type ${member.type} does not offer ${operation}`);
        continue;
      }
      return { ok: true, target: { name: m, type: member.type, via: [name] } };
    }
    return {
      ok: false,
      reason: `no instance route "${name}" lists is enabled for ${operation} (${skipped.join('; ')}); enable one in connectors/`,
    };
  };
  return {
    has: (name) => all.get(name)?.route !== undefined,
    resolve: (name, operation) => resolve(name, operation, []),
  };
}
