import { globMatches } from '../../shared/glob.js';
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
    const has = (pattern: string): boolean => facts.tags.some((t) => globMatches(pattern, t, true));
    if (tags.match === 'all' ? !tags.values.every(has) : !tags.values.some(has)) return false;
  }
  if (sources && !sources.some((p) => facts.sources.some((s) => globMatches(p, s)))) return false;
  if (group) {
    for (const [field, patterns] of Object.entries(group)) {
      const value = facts.group[field];
      if (value === undefined || !patterns.some((p) => globMatches(p, value))) return false;
    }
  }
  return true;
}

/**
 * A match's distinct sources: those of its `<source>/<id>` event refs, and those of the events
 * beyond the refs' cap (`sources`, set by the engine only then).
 */
export function sourcesOfRefs(refs: readonly string[], beyond: readonly string[] = []): string[] {
  const out = new Set<string>(beyond);
  for (const ref of refs) {
    const slash = ref.indexOf('/');
    if (slash > 0) out.add(ref.slice(0, slash));
  }
  return [...out];
}
