import type { Severity } from '../../ingest/canonical-event.js';
import { describe } from '../../shared/duration.js';
import { isMapping, suggest } from '../../shared/shape.js';
import type { RuleContext } from './context.js';

/**
 * The Sigma metadata shared by detection and correlation rules: identity (title, name, id),
 * level and tags are used by Cordon; the rest (status, author, references …) is documentation,
 * checked only for its type so a typo does not go unnoticed.
 */

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;

export interface RuleIdentity {
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly title: string | undefined;
}

export interface RuleMetadata extends RuleIdentity {
  readonly level: Severity;
  readonly tags: readonly string[];
}

/** name/id/title as far as they are usable strings; used to name the rule in messages. */
export function readIdentity(doc: Record<string, unknown>): RuleIdentity {
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v.trim() !== '' ? v : undefined;
  return { name: str(doc.name), id: str(doc.id), title: str(doc.title) };
}

/** The key of a rule with neither name nor id: its title in snake case. */
export function titleKey(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'untitled'
  );
}

/** `Rule "model_extraction_by_query_volume"`: the key when there is one, else the title. */
export function ruleSubject(identity: RuleIdentity, fallback: string): string {
  const label = identity.name ?? identity.id ?? identity.title;
  return label === undefined ? fallback : `Rule "${label}"`;
}

export function levelToSeverity(level: (typeof LEVELS)[number]): Severity {
  return level === 'informational' ? 'info' : level;
}

/** Checks the metadata keys of a rule document; returns what Cordon uses. */
export function parseMetadata(ctx: RuleContext, doc: Record<string, unknown>): RuleMetadata {
  const identity = readIdentity(doc);
  const { sink, subject } = ctx;

  if (doc.title !== undefined && doc.title !== null && identity.title === undefined) {
    sink.error(
      ['title'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${subject} title must be a non-empty string; got ${describe(doc.title)}. Describe what the rule detects.`,
    );
  }
  for (const key of ['name', 'id'] as const) {
    const value = doc[key];
    if (value !== undefined && identity[key] === undefined) {
      sink.error(
        [key],
        'CORDON_ERR_DEFINITION_TYPE',
        `${subject} ${key} must be a non-empty string; got ${describe(value)}. Quote it if it looks like a number.`,
      );
    }
  }
  if (doc.name === undefined && doc.id === undefined && identity.title !== undefined) {
    // Sigma makes id optional; the rule is still usable, under a key made from its title.
    sink.warning(
      [],
      'CORDON_WARN_RULE_UNNAMED',
      `${subject} has neither "name" nor "id"; Cordon refers to it as "${titleKey(identity.title)}", from its title. Add "name: <snake_case_name>" so correlations, playbooks and incidents keep referring to it when the title changes.`,
    );
  }

  let level: Severity = 'medium';
  if (doc.level !== undefined) {
    const raw = doc.level;
    const found = LEVELS.find((l) => l === raw);
    if (found) {
      level = levelToSeverity(found);
    } else {
      const hint = typeof raw === 'string' ? suggest(raw, LEVELS) : undefined;
      sink.error(
        ['level'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} level must be one of ${LEVELS.join(', ')}; got ${describe(raw)}.${hint ? ` Did you mean "${hint}"?` : ' Pick one of them.'}`,
      );
    }
  }

  if (doc.status !== undefined && !STATUSES.some((s) => s === doc.status)) {
    const hint = typeof doc.status === 'string' ? suggest(doc.status, STATUSES) : undefined;
    sink.error(
      ['status'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${subject} status must be one of ${STATUSES.join(', ')}; got ${describe(doc.status)}.${hint ? ` Did you mean "${hint}"?` : ' Pick one of them.'}`,
    );
  }

  for (const key of ['description', 'author', 'date', 'modified', 'license', 'taxonomy']) {
    const value = doc[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      sink.error(
        [key],
        'CORDON_ERR_DEFINITION_TYPE',
        `${subject} ${key} must be a string; got ${describe(value)}. Quote it.`,
      );
    }
  }
  for (const key of ['references', 'falsepositives', 'fields', 'scope']) {
    checkStringList(ctx, key, doc[key], true);
  }
  const tags = checkStringList(ctx, 'tags', doc.tags, false) ?? [];
  if (doc.related !== undefined && !(Array.isArray(doc.related) && doc.related.every(isMapping))) {
    sink.error(
      ['related'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${subject} related must be a list of { id, type } mappings; got ${describe(doc.related)}. Fix its shape.`,
    );
  }
  return { ...identity, level, tags };
}

/** Accepts a list of strings (or, when `single` is true, one string); reports anything else. */
function checkStringList(
  ctx: RuleContext,
  key: string,
  value: unknown,
  single: boolean,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (single && typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  ctx.sink.error(
    [key],
    'CORDON_ERR_DEFINITION_TYPE',
    `${ctx.subject} ${key} must be a list of strings; got ${describe(value)}. Write one item per line, each quoted if it looks like a number.`,
  );
  return undefined;
}
