import type { Incident } from '../../store/incident-store.js';
import type { PlaybookDefinition } from '../definition/types.js';

/** What a trigger is matched against: the incident, and where its opening match came from. */
export interface TriggerFacts extends Pick<Incident, 'rule' | 'severity' | 'tags' | 'group'> {
  /** Source connector instances of the opening match's contributing events. */
  readonly sources: readonly string[];
}

/**
 * Whether the filters of a trigger (tags, source, group) accept an incident; rule and severity
 * are the catalog's. A filter the playbook does not use accepts everything.
 */
export function filtersAccept(
  trigger: PlaybookDefinition['trigger'],
  facts: TriggerFacts,
): boolean {
  const { tags, sources, group } = trigger;
  if (tags) {
    const has = (pattern: string): boolean => {
      const re = globRegex(pattern, true);
      return facts.tags.some((t) => re.test(t));
    };
    if (tags.match === 'all' ? !tags.values.every(has) : !tags.values.some(has)) return false;
  }
  if (sources && !sources.some((p) => facts.sources.some((s) => globRegex(p, false).test(s))))
    return false;
  if (group) {
    for (const [field, patterns] of Object.entries(group)) {
      const value = facts.group[field];
      if (value === undefined || !patterns.some((p) => globRegex(p, false).test(value)))
        return false;
    }
  }
  return true;
}

/** `<source>/<id>` event refs → their distinct sources. */
export function sourcesOfRefs(refs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const ref of refs) {
    const slash = ref.indexOf('/');
    if (slash > 0) out.add(ref.slice(0, slash));
  }
  return [...out];
}

const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal. */
function globRegex(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    // Patterns come from loaded playbooks only (a bounded set), so the cache stays small.
    compiled.set(key, re);
  }
  return re;
}
