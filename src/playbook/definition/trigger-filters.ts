import { describe } from '../../shared/duration.js';
import { globMatches } from '../../shared/glob.js';
import { isMapping, suggest } from '../../shared/shape.js';
import type { DiagnosticSink } from '../../shared/yaml.js';
import { toStringList } from './value-checks.js';

/**
 * The narrowing filters of an `on:` trigger besides rule and severity. Each is absent when the
 * playbook does not use it, so playbooks written before the filters keep their hash.
 */
export interface TriggerFilters {
  /**
   * Incident tags: `tags: [a, b]` (or `{ any: [...] }`) needs one of them, `{ all: [...] }`
   * every one. Compared case-insensitively; `*` matches any run of characters.
   */
  readonly tags?: { readonly match: 'any' | 'all'; readonly values: readonly string[] };
  /**
   * Source connector instances (`POST /v1/ingest/<source>`): one of the opening match's
   * contributing events came through one of these. Exact, or `*` globs.
   */
  readonly sources?: readonly string[];
  /** Group-by field → accepted values (any of; exact, or `*` globs). */
  readonly group?: Readonly<Record<string, readonly string[]>>;
}

const GLOB_TEXT = 'exact, or with "*" matching any run of characters';

/** What the installation tells about a trigger's rules and sources; each undefined = unknown. */
export interface TriggerKnowledge {
  /** The group-by fields every triggering rule has. */
  readonly groupNames?: ReadonlySet<string> | undefined;
  /** Each triggering rule → its tags (what its incidents carry). */
  readonly ruleTags?: ReadonlyMap<string, readonly string[]> | undefined;
  /** Source connector names. */
  readonly sources?: readonly string[] | undefined;
}

/**
 * Validates `on.tags`, `on.source` and `on.group`; with the installation known, also that each
 * can ever hold (a tag some triggering rule carries, a source that exists, a group-by field).
 */
export function validateTriggerFilters(
  value: Record<string, unknown>,
  sink: DiagnosticSink,
  label: string,
  known: TriggerKnowledge,
): TriggerFilters | undefined {
  const { groupNames } = known;
  let ok = true;
  const out: { -readonly [K in keyof TriggerFilters]: TriggerFilters[K] } = {};
  if (value.tags !== undefined) {
    const tags = tagsOf(value.tags);
    if (tags) {
      out.tags = tags;
      if (known.ruleTags && tagsCanMatch(tags, known.ruleTags) && tags.match === 'any')
        warnDeadTags(value.tags, tags.values, known.ruleTags, sink, label);
      if (known.ruleTags && !tagsCanMatch(tags, known.ruleTags)) {
        ok = false;
        const listed = [...known.ruleTags]
          .map(([rule, t]) => `"${rule}" has ${t.length > 0 ? t.join(', ') : 'none'}`)
          .join('; ');
        sink.error(
          ['on', 'tags'],
          'CORDON_ERR_PLAYBOOK_TRIGGER',
          `${label} on.tags asks for ${tags.match === 'all' ? 'all of' : 'any of'} ${tags.values.join(', ')}, which no incident of its rules carries (an incident has its rule's tags: ${listed}), so it would never start; use a tag of one of those rules, or add the tag to the rule.`,
        );
      }
    } else {
      ok = false;
      sink.error(
        ['on', 'tags'],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} on.tags must be a tag or a list of tags (any of them), or { any: [...] } / { all: [...] }; got ${describe(value.tags)}. Example: tags: [atlas.AML.T0024].`,
      );
    }
  }
  if (value.source !== undefined) {
    const sources = toStringList(value.source);
    if (sources) {
      out.sources = sources;
      const known_ = known.sources;
      if (known_)
        sources.forEach((pattern, i) => {
          if (known_.some((s) => globMatches(pattern, s))) return;
          ok = false;
          const hint = suggest(pattern, known_);
          sink.error(
            ['on', 'source', ...(Array.isArray(value.source) ? [i] : [])],
            'CORDON_ERR_PLAYBOOK_TRIGGER',
            `${label} on.source "${pattern}" matches no source connector in connectors/ (${known_.length > 0 ? `sources: ${known_.join(', ')}` : 'there are none'}). ${hint ? `Did you mean "${hint}"? ` : ''}Name a source connector (kind: source), or define it.`,
          );
        });
    } else {
      ok = false;
      sink.error(
        ['on', 'source'],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} on.source must name a source connector (the <source> of POST /v1/ingest/<source>) or list them, ${GLOB_TEXT}; got ${describe(value.source)}.`,
      );
    }
  }
  if (value.group !== undefined) {
    const group = groupOf(value.group, sink, label, groupNames);
    if (group) out.group = group;
    else ok = false;
  }
  return ok ? out : undefined;
}

/**
 * Warns at each tag (pattern) of an any-of list that no triggering rule carries, when others
 * do: it can never be why the playbook starts, so it is most likely a typo.
 */
function warnDeadTags(
  raw: unknown,
  patterns: readonly string[],
  ruleTags: ReadonlyMap<string, readonly string[]>,
  sink: DiagnosticSink,
  label: string,
): void {
  const carried = [...new Set([...ruleTags.values()].flat())];
  const listPath = Array.isArray(raw) ? [] : isMapping(raw) ? ['any'] : undefined;
  patterns.forEach((pattern, i) => {
    if (carried.some((t) => globMatches(pattern, t, true))) return;
    const hint = suggest(pattern, carried);
    sink.warning(
      ['on', 'tags', ...(listPath === undefined ? [] : [...listPath, i])],
      'CORDON_WARN_PLAYBOOK_TRIGGER_TAG',
      `${label} on.tags lists "${pattern}", which none of its rules carries (${carried.length > 0 ? `they carry ${carried.join(', ')}` : 'they carry no tags'}), so it never decides whether the playbook starts. ${hint ? `Did you mean "${hint}"? ` : ''}Remove it, or add the tag to the rule that should carry it.`,
    );
  });
}

/** Some triggering rule carries the tags asked for (every one of them, for `all`). */
function tagsCanMatch(
  tags: NonNullable<TriggerFilters['tags']>,
  ruleTags: ReadonlyMap<string, readonly string[]>,
): boolean {
  return [...ruleTags.values()].some((carried) => {
    const has = (p: string): boolean => carried.some((t) => globMatches(p, t, true));
    return tags.match === 'all' ? tags.values.every(has) : tags.values.some(has);
  });
}

function tagsOf(value: unknown): TriggerFilters['tags'] | undefined {
  const list = toStringList(value);
  if (list) return { match: 'any', values: list };
  if (!isMapping(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'any' && keys[0] !== 'all')) return undefined;
  const match = keys[0];
  const values = toStringList(value[match]);
  return values ? { match, values } : undefined;
}

function groupOf(
  value: unknown,
  sink: DiagnosticSink,
  label: string,
  groupNames: ReadonlySet<string> | undefined,
): Record<string, string[]> | undefined {
  if (!isMapping(value) || Object.keys(value).length === 0) {
    sink.error(
      ['on', 'group'],
      'CORDON_ERR_PLAYBOOK_TRIGGER',
      `${label} on.group must map group-by fields to values (${GLOB_TEXT}), e.g. group: { api_key: "k-*" }; got ${describe(value)}.`,
    );
    return undefined;
  }
  const out: Record<string, string[]> = {};
  let ok = true;
  for (const [field, raw] of Object.entries(value)) {
    if (groupNames && !groupNames.has(field)) {
      ok = false;
      const known = [...groupNames];
      const hint = suggest(field, known);
      sink.error(
        ['on', 'group', field],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} on.group filters on "${field}", which is not a group-by field of every triggering rule${hint ? `; did you mean "${hint}"?` : known.length > 0 ? `; use one of ${known.join(', ')}` : '; the triggering rules have no group-by field in common, so remove on.group'}.`,
        true,
      );
      continue;
    }
    const values = toStringList(raw);
    if (!values) {
      ok = false;
      sink.error(
        ['on', 'group', field],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} on.group.${field} must be a value or a list of values (any of them), ${GLOB_TEXT}; got ${describe(raw)}.`,
      );
      continue;
    }
    out[field] = values;
  }
  return ok ? out : undefined;
}

/** The whole trigger in one line, as `cordon plan` and `cordon graph` show it. */
export function describeTrigger(
  trigger: TriggerFilters & {
    readonly rules: readonly string[];
    readonly severities: readonly string[];
    readonly everyMatch?: true;
  },
): string {
  if (trigger.rules.length === 0) return 'on call (started by other playbooks or by hand)';
  const parts = [`on incidents of ${trigger.rules.join(', ')}`];
  if (trigger.severities.length > 0) parts.push(`severity ${trigger.severities.join(' or ')}`);
  if (trigger.tags)
    parts.push(
      `tagged ${trigger.tags.match === 'all' ? 'all of' : 'any of'} ${trigger.tags.values.join(', ')}`,
    );
  if (trigger.sources) parts.push(`from source ${trigger.sources.join(' or ')}`);
  for (const [field, values] of Object.entries(trigger.group ?? {}))
    parts.push(`group ${field} = ${values.join(' or ')}`);
  if (trigger.everyMatch) parts.push('a run for every match that passes');
  return parts.join('; ');
}
