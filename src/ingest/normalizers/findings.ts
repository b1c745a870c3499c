import type { FieldError, NormaliseResult, RejectedItem } from './types.js';
import type { NormalisedEvent } from '../canonical-event.js';

/** The Normaliser contract caps errors so one huge bad batch cannot produce a huge response. */
export const MAX_ERRORS = 50;
/** Warnings are capped alike: a large batch of odd-but-valid alerts must not flood the reply. */
export const MAX_WARNINGS = 50;

/**
 * Collects every error and warning of one body, so a sender sees all problems at once.
 * Past the cap the last slot becomes a count of what was left out, never silence.
 */
export class Findings {
  readonly #errors: FieldError[] = [];
  readonly #warnings: string[] = [];
  /** Errors inside one item of a batch, by item index: they reject that item only. */
  readonly #itemErrors = new Map<number, FieldError[]>();
  readonly #emitted: { readonly event: NormalisedEvent; readonly item: number | undefined }[] = [];
  #overflow = 0;
  #warningOverflow = 0;

  error(path: string, reason: string, item?: number): void {
    if (item !== undefined) {
      const list = this.#itemErrors.get(item) ?? [];
      if (list.length === 0) this.#itemErrors.set(item, list);
      // Every rejected item is listed; the reasons of each are capped like a body's.
      if (list.length < MAX_ERRORS) list.push({ path, reason });
      return;
    }
    if (this.#errors.length < MAX_ERRORS) this.#errors.push({ path, reason });
    else this.#overflow += 1;
  }

  /** An event made from the item at `at`; dropped by `batch()` if that item has errors. */
  emit(event: NormalisedEvent, at: Location): void {
    this.#emitted.push({ event, item: at.itemIndex });
  }

  warn(message: string): void {
    if (this.#warnings.length < MAX_WARNINGS) this.#warnings.push(message);
    else this.#warningOverflow += 1;
  }

  get failed(): boolean {
    return this.#errors.length > 0;
  }

  /** The body-level location (`''`), where every other location starts. */
  root(): Location {
    return new Location(this, undefined, '', '');
  }

  /** All-or-nothing: one bad item rejects the whole body, since the sender resends it whole. */
  result(events: NormalisedEvent[]): NormaliseResult {
    if (!this.failed) return { ok: true, events, warnings: this.#cappedWarnings() };
    const errors = [...this.#errors];
    if (this.#overflow > 0) {
      const left = this.#overflow + 1;
      errors[MAX_ERRORS - 1] = {
        path: '',
        reason: `${left} more problems are not listed (at most ${MAX_ERRORS} are reported); fix the ones above and resend to see the rest.`,
      };
    }
    return { ok: false, errors };
  }

  /**
   * Partial acceptance (ingest "Behaviour"): events of items without errors go in, each item
   * with errors is reported by index; only a body-level error (unparseable body, missing
   * envelope) or a batch with no good item at all refuses the whole body.
   */
  batch(extra: readonly NormalisedEvent[] = []): NormaliseResult {
    const rejected: RejectedItem[] = [...this.#itemErrors]
      .sort((a, b) => a[0] - b[0])
      .map(([index, errors]) => ({ index, errors }));
    const events = [
      ...extra,
      ...this.#emitted
        .filter(({ item }) => item === undefined || !this.#itemErrors.has(item))
        .map(({ event }) => event),
    ];
    if (this.#errors.length > 0 || (events.length === 0 && rejected.length > 0)) {
      for (const item of rejected)
        for (const error of item.errors)
          if (this.#errors.length < MAX_ERRORS) this.#errors.push(error);
          else this.#overflow += 1;
      return this.result([]);
    }
    const warnings = this.#cappedWarnings();
    return rejected.length > 0
      ? { ok: true, events, warnings, rejected }
      : { ok: true, events, warnings };
  }

  #cappedWarnings(): string[] {
    const warnings = [...this.#warnings];
    if (this.#warningOverflow > 0) {
      warnings[MAX_WARNINGS - 1] =
        `${this.#warningOverflow + 1} more warnings are not listed (at most ${MAX_WARNINGS} are reported).`;
    }
    return warnings;
  }
}

/**
 * A place in the parsed body: its JSON Pointer plus a reason prefix (NDJSON items say
 * which line they came from, because senders look for lines, not array indexes).
 */
export class Location {
  #path: string | undefined;
  /** Index of the batch item this location is inside (see `Findings.batch`), if any. */
  readonly itemIndex: number | undefined;

  /**
   * Locations are made for every field of every item, and almost all of them never report
   * anything: the pointer is only built when something asks for it.
   */
  constructor(
    private readonly findings: Findings,
    private readonly parent: Location | undefined,
    private readonly segment: string | number,
    private readonly prefix: string,
    itemIndex?: number,
  ) {
    this.itemIndex = itemIndex ?? parent?.itemIndex;
  }

  get path(): string {
    this.#path ??=
      this.parent === undefined
        ? ''
        : `${this.parent.path}/${escapePointerSegment(String(this.segment))}`;
    return this.#path;
  }

  child(segment: string | number): Location {
    return new Location(this.findings, this, segment, this.prefix);
  }

  /** A child that also prefixes every reason, e.g. `line 3: `. */
  item(segment: string | number, prefix: string): Location {
    return new Location(this.findings, this, segment, prefix);
  }

  /**
   * One item of a batch (an alert of `alerts[]`, a line of NDJSON): errors under it reject
   * that item alone when the normaliser finishes with `Findings.batch()`.
   */
  batchItem(segment: number, prefix = this.prefix): Location {
    return new Location(this.findings, this, segment, prefix, segment);
  }

  error(reason: string): void {
    this.findings.error(this.path, this.prefix + reason, this.itemIndex);
  }

  warn(message: string): void {
    this.findings.warn(`${this.path === '' ? '(body)' : this.path}: ${this.prefix}${message}`);
  }
}

/** RFC 6901: `~` and `/` inside a key would otherwise change the pointer's meaning. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
