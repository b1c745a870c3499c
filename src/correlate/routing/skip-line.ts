import { DERIVED_SOURCE, EVENT_KINDS, OUTCOMES, SEVERITIES } from '../../ingest/canonical-event.js';
import type { CorrelationEngine } from '../engine/engine.js';
import { allows, type TextField } from '../rule/detection/required-values.js';
import { readTopLevelFields, type TopLevelFields } from './top-level-fields.js';

/** What a replay keeps of a line no rule can route: enough to count it and find repeats. */
export interface SkippedLine {
  readonly source: string;
  readonly time: number;
  readonly received: number;
  readonly id: string;
}

const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const OUTCOME: ReadonlySet<string> = new Set(OUTCOMES);
const SEVERITY: ReadonlySet<string> = new Set(SEVERITIES);
const SOURCE = /^[a-z][a-z0-9-]{0,62}$/;
const KIND_KEY = '"kind":"';

/**
 * A line of recorded NDJSON that no rule can route, read off its text without parsing it:
 * its kind is one no rule reads, or its outcome, severity and name are none that the
 * detections reading its kind select (engine.kindNeeds). Such lines are counted, not
 * validated. Anything less clear-cut returns undefined and the line is parsed in full.
 */
export function skippableLine(
  engine: CorrelationEngine,
  line: string,
  defaultSource: string,
): SkippedLine | undefined {
  // The kind first, from its first mention: a kind whose every line must be parsed takes
  // the full parse at once, without reading the rest.
  const first = line.indexOf(KIND_KEY);
  if (first < 0) return undefined;
  const at = first + KIND_KEY.length;
  const kind = line.slice(at, line.indexOf('"', at));
  if (!KINDS.has(kind)) return undefined;
  const needs = engine.kindNeeds(kind);
  if (needs === 'any') return undefined;
  const fields = readTopLevelFields(line);
  if (fields === undefined || fields.kind !== kind) return undefined;
  if (needs.length > 0) {
    const read = fieldReader(fields);
    if (read === undefined || needs.some((n) => allows(n, read))) return undefined;
  }
  const source = fields.source ?? defaultSource;
  // Cordon's own derived events are left to the full read, which skips them as such.
  if (fields.source !== undefined && (!SOURCE.test(source) || source === DERIVED_SOURCE))
    return undefined;
  return { source, time: fields.time, received: fields.received ?? fields.time, id: fields.id };
}

/**
 * The outcome, severity and name the event will hold, as the canonical reader takes them
 * (absent or null: the defaults), or undefined when the text alone cannot say: an escape, or a
 * value the reader would refuse or change (the full parse then decides, and reports it).
 */
function fieldReader(f: TopLevelFields): ((field: TextField) => string) | undefined {
  if (f.escaped) return undefined;
  const outcome = f.outcome ?? 'unknown';
  const severity = f.severity ?? 'info';
  const name = f.name ?? f.kind;
  if (!OUTCOME.has(outcome) || !SEVERITY.has(severity) || name.trim() === '') return undefined;
  return (field) => (field === 'outcome' ? outcome : field === 'severity' ? severity : name);
}
