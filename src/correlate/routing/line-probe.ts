import type { CanonicalEvent } from '../../ingest/canonical-event.js';
import { EVENT_KINDS, OUTCOMES, SEVERITIES } from '../../ingest/canonical-event.js';
import type { CompiledDetection, CompiledRuleSet } from '../rule/types.js';
import type { TopLevelFields } from './top-level-fields.js';

/**
 * Which lines a replay worker may count without parsing them: those no detection can match.
 * Per event kind, either no detection reads the kind at all, or every detection that does can
 * be ruled out by top-level fields read off the text exactly (kind, id, source, name,
 * severity, outcome; CompiledDetection.mayMatch): then a line those fields rule out for every
 * detection is routed nowhere, as its full read would be, and any other is parsed. A failed
 * login among a million successes is read in full; the successes are not, even when the
 * failure rule also reads a reason from the labels. Anything else is parsed.
 */
export type KindPlan =
  /** No detection reads the kind. */
  | 'unread'
  /** Every detection of the kind can be ruled out on the top-level fields: try them first. */
  | 'probe'
  /** Some detection cannot: parse every line of the kind. */
  | 'parse';
const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const SEVERITY: ReadonlySet<string> = new Set(SEVERITIES);
const OUTCOME: ReadonlySet<string> = new Set(OUTCOMES);
const NONE: Readonly<Record<string, never>> = Object.freeze({});

export class LineProbe {
  readonly #plans = new Map<string, KindPlan>();
  readonly #detections = new Map<string, readonly CompiledDetection[]>();
  readonly #event: { -readonly [K in keyof CanonicalEvent]: CanonicalEvent[K] } = {
    id: '',
    time: 0,
    received: 0,
    source: '',
    kind: 'log',
    name: '',
    severity: 'info',
    outcome: 'unknown',
    entity: NONE,
    measures: NONE,
    labels: NONE,
  };

  constructor(rules: CompiledRuleSet) {
    const anyKind = [...rules.detections.values()].filter((d) => d.eventKind === undefined);
    for (const kind of EVENT_KINDS) {
      const ds = [
        ...[...rules.detections.values()].filter((d) => d.eventKind === kind),
        ...anyKind,
      ];
      this.#detections.set(kind, ds);
      this.#plans.set(
        kind,
        ds.length === 0 ? 'unread' : ds.every((d) => d.mayMatch !== undefined) ? 'probe' : 'parse',
      );
    }
  }

  /** The plan for lines of a kind; 'parse' for a kind Cordon does not know (the full read refuses it). */
  planOf(kind: string): KindPlan {
    return this.#plans.get(kind) ?? 'parse';
  }

  /**
   * For a line of a 'probe' kind, true when no detection matches it, decided on its top-level
   * fields as its full read would fill them in (name defaults to the kind, severity to info,
   * outcome to unknown). False when some detection matches, or when a field is one the full
   * read would refuse or that was not read plainly: the line is then parsed in full.
   */
  matchesNothing(fields: TopLevelFields, source: string): boolean {
    const { kind, name, severity, outcome } = fields;
    if (!KINDS.has(kind) || name === null || severity === null || outcome === null) return false;
    if (name !== undefined && name.trim() === '') return false;
    if (severity !== undefined && !SEVERITY.has(severity)) return false;
    if (outcome !== undefined && !OUTCOME.has(outcome)) return false;
    // The fields a probed detection may read, as readRecordedLine builds them; the rest empty.
    // One object, refilled per line: detections are pure and keep nothing of an event.
    const event = this.#event;
    event.id = fields.id;
    event.time = fields.time;
    event.received = fields.received ?? fields.time;
    event.source = source;
    event.kind = kind as CanonicalEvent['kind'];
    event.name = name ?? kind;
    event.severity = (severity ?? 'info') as CanonicalEvent['severity'];
    event.outcome = (outcome ?? 'unknown') as CanonicalEvent['outcome'];
    const detections = this.#detections.get(kind) ?? [];
    for (let i = 0; i < detections.length; i += 1)
      if ((detections[i] as CompiledDetection).mayMatch?.(event) !== false) return false;
    return true;
  }
}
