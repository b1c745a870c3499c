import { isAscii } from 'node:buffer';
import { DERIVED_SOURCE } from '../ingest/canonical-event.js';
import { plainEventId } from '../ingest/normalizers/canonical-fast.js';
import { FUTURE_SKEW_MS, MAX_EVENT_TIME, MIN_EVENT_TIME } from '../ingest/normalizers/time.js';
import type { EngineOptions } from './engine/engine.js';
import { CorrelationEngine } from './engine/engine.js';
import { readRecordedLine } from './replay.js';
import { RoutedBatchBuilder, type RoutedBatch } from './routing/routed-batch.js';
import { LineProbe } from './routing/line-probe.js';
import { readTopLevelFieldsIn } from './routing/top-level-fields.js';
import type { RuleSource } from './rule/rule-source.js';
import type { CompiledRuleSet } from './rule/types.js';

/**
 * The stateless half of a replay: parses, validates and routes chunks of recorded NDJSON,
 * giving per chunk what the thread that applies needs to apply them in order: each event's
 * source, time and receipt time, and its routes. Lines no detection can match (of a kind no
 * rule reads, or decided on their top-level fields: see LineProbe) are not parsed at all when
 * their fields can be read off the text; such lines are counted, not validated. Replay worker
 * threads run it (replay-worker.ts), and so does the main thread while none is ready, or in
 * their place for a small input (ReplayPool).
 */

/** What a router needs besides the rules: the engine's settings, the clock, the default source. */
export interface WorkerInit {
  readonly sources: readonly RuleSource[];
  readonly options: Omit<EngineOptions, 'owned'>;
  readonly now: number;
  readonly defaultSource: string;
}

export interface ChunkRequest {
  readonly seq: number;
  /** Whole lines in the first `length` bytes (the rest of the buffer is unused). */
  readonly buffer: ArrayBuffer;
  readonly length: number;
}

export interface ChunkResult extends RoutedBatch {
  readonly seq: number;
  /** Lines in the chunk (to number bad lines by file line). */
  readonly lines: number;
  /** Line number in the chunk (1-based) and reason, for lines that are not events. */
  readonly bad: [number, string][];
  readonly derivedSkipped: number;
  /** Lines no detection could match, counted without being parsed (see LineProbe). */
  readonly unparsed: number;
}

const OPEN_BRACE = 123;
const NEWLINE = 10;
const KIND_KEY = '"kind":"';

/** A router: its own engine (for routing only) and line probe, built from the rules. */
export interface Router {
  readonly engine: CorrelationEngine;
  readonly probe: LineProbe;
  readonly init: WorkerInit;
}

/** A router for `ruleSet` (the rules `init.sources` build). */
export function startRouter(ruleSet: CompiledRuleSet, init: WorkerInit): Router {
  const engine = new CorrelationEngine(ruleSet, {
    ...init.options,
    owned: [0],
    checkpoints: false,
  });
  return { engine, probe: new LineProbe(ruleSet), init };
}

// A byte-order mark is kept: the reader drops the one that starts a file, and a chunk that
// starts with another is not the start of one.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Routes a chunk of whole lines (`bytes`), numbered `seq`. */
export function routeBytes(router: Router, bytes: Buffer, seq: number): ChunkResult {
  // Mostly ASCII in practice: a one-byte string is much faster to make and to parse.
  const texts = isAscii(bytes)
    ? textSlices(bytes, SLICE_BYTES, (b) => b.toString('latin1'))
    : textSlices(bytes, SLICE_BYTES / 2, (b) => decoder.decode(b));
  return routeChunk(router, texts, seq);
}

/**
 * Bytes of ASCII decoded at a time: a one-byte string under V8's large-object size (128 KiB;
 * see textSlices). Other UTF-8 takes half as many, as it may decode to a two-byte string.
 */
const SLICE_BYTES = 96 * 1024;

/**
 * A chunk's text as strings of whole lines, each about `sliceBytes`. One string per chunk (a
 * mebibyte) was a large object: V8 maps fresh pages for each, and the page faults of writing
 * them cost more than parsing the lines in them. Strings this small come from the young
 * generation, whose pages are mapped once and reused. A newline byte never falls inside a
 * multi-byte UTF-8 sequence, so each slice decodes on its own.
 */
function* textSlices(
  bytes: Buffer,
  sliceBytes: number,
  decode: (b: Buffer) => string,
): Generator<string> {
  for (let from = 0; from < bytes.length;) {
    let to = bytes.length;
    if (to - from > sliceBytes) {
      const cut = bytes.lastIndexOf(NEWLINE, from + sliceBytes - 1);
      to = cut >= from ? cut + 1 : bytes.indexOf(NEWLINE, from + sliceBytes) + 1 || to;
    }
    yield decode(bytes.subarray(from, to));
    from = to;
  }
}

function routeChunk(router: Router, texts: Iterable<string>, seq: number): ChunkResult {
  const batch = new RoutedBatchBuilder(true);
  const out = { bad: [] as [number, string][], derivedSkipped: 0, unparsed: 0, lineNo: 0 };
  for (const text of texts) routeText(router, text, batch, out);
  return {
    ...batch.build(),
    seq,
    lines: out.lineNo,
    bad: out.bad,
    derivedSkipped: out.derivedSkipped,
    unparsed: out.unparsed,
  };
}

/** Routes the lines of `text` into `batch`, counting them (and bad and skipped ones) in `out`. */
function routeText(
  { engine, probe, init }: Router,
  text: string,
  batch: RoutedBatchBuilder,
  out: { bad: [number, string][]; derivedSkipped: number; unparsed: number; lineNo: number },
): void {
  const bad = out.bad;
  let lineNo = out.lineNo;
  let start = 0;
  // The next backslash and the next `"kind":"` in the slice, each searched for again only once
  // passed: a search per line would run on to the end of the slice when there is none.
  let backslash = -1;
  let kindKey = -1;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const from = start;
    start = end + 1;
    lineNo += 1;
    // Blank lines are skipped; a line opening an object (nearly all) is not trimmed to see.
    if (text.charCodeAt(from) !== OPEN_BRACE && text.slice(from, end).trim() === '') continue;
    if (backslash !== Infinity && backslash < from) {
      backslash = text.indexOf('\\', from);
      if (backslash < 0) backslash = Infinity;
    }
    if (kindKey !== Infinity && kindKey < from) {
      kindKey = text.indexOf(KIND_KEY, from);
      if (kindKey < 0) kindKey = Infinity;
    }
    const quick =
      kindKey < end
        ? unrouted(probe, text, from, end, backslash < end, kindKey, init.defaultSource, init.now)
        : undefined;
    if (quick) {
      batch.add('', quick.source, quick.time, quick.received, `${quick.source}/${quick.id}`, []);
      out.unparsed += 1;
      continue;
    }
    const read = readRecordedLine(text.slice(from, end), init.now, init.defaultSource);
    if (read.ok === 'skip') {
      out.derivedSkipped += 1;
      continue;
    }
    if (read.ok === false) {
      bad.push([lineNo, read.reason]);
      continue;
    }
    const e = read.event;
    // Every event carries its ref, read by a rule or not: deduplication must not mistake two
    // events that no rule reads for copies of one another.
    batch.add('', e.source, e.time, e.received, `${e.source}/${e.id}`, engine.route(e));
  }
  out.lineNo = lineNo;
}

const SOURCE = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * For a line no detection can match (see LineProbe): its source, time and receipt time, read
 * off the text (see readTopLevelFields). Anything less clear-cut returns undefined and the line
 * is parsed in full. Its time and id are what a full read would keep, or the line is read in
 * full: they move watermarks and mark repeats, so a time the full read refuses or clamps, or an
 * id it refuses, would change what other lines match.
 */
function unrouted(
  probe: LineProbe,
  text: string,
  start: number,
  end: number,
  escapes: boolean,
  kindKey: number,
  defaultSource: string,
  now: number,
): { source: string; time: number; received: number; id: string } | undefined {
  // The kind first, from its first mention: a kind some rule reads beyond the probe fields
  // takes the full parse at once, without reading the rest.
  const kind = kindKey + KIND_KEY.length;
  const kindEnd = text.indexOf('"', kind);
  if (kindEnd < 0 || kindEnd >= end) return undefined;
  const mentioned = text.slice(kind, kindEnd);
  let plan = probe.planOf(mentioned);
  if (plan === 'parse') return undefined;
  const fields = readTopLevelFieldsIn(text, start, end, escapes);
  if (fields === undefined) return undefined;
  // The first mention is nearly always the top-level kind; when not, plan for the real one.
  if (fields.kind !== mentioned) plan = probe.planOf(fields.kind);
  if (plan === 'parse') return undefined;
  const { time, id } = fields;
  if (time < MIN_EVENT_TIME || time > MAX_EVENT_TIME || time > now + FUTURE_SKEW_MS)
    return undefined;
  if (!plainEventId(id)) return undefined;
  const source = fields.source ?? defaultSource;
  // Cordon's own derived events are left to the full read, which skips them as such.
  if (fields.source !== undefined && (!SOURCE.test(source) || source === DERIVED_SOURCE))
    return undefined;
  if (plan === 'probe' && !probe.matchesNothing(fields, source)) return undefined;
  return { source, time: fields.time, received: fields.received ?? fields.time, id: fields.id };
}
