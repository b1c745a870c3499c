import { isAscii } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { EVENT_KINDS } from '../ingest/canonical-event.js';
import type { EngineOptions, Route } from './engine/engine.js';
import { CorrelationEngine } from './engine/engine.js';
import { readRecordedLine } from './replay.js';
import { buildRuleSet } from './rule/index.js';
import type { RuleSource } from './rule/rule-source.js';

/**
 * A replay worker: parses, validates and routes chunks of recorded NDJSON (the stateless half
 * of correlation) and posts back, per chunk, what the main thread needs to apply them in order:
 * each event's source, time and receipt time, and its routes. Lines of a kind no rule reads are
 * not parsed at all when their fields can be read off the text; such lines are counted, not
 * validated.
 */
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

export interface ChunkResult {
  readonly seq: number;
  readonly count: number;
  /** Per event: index into `sourceTable`, event time, receipt time. */
  readonly sourceIndex: Uint16Array;
  readonly times: Float64Array;
  readonly received: Float64Array;
  readonly sourceTable: string[];
  /** Lines in the chunk (to number bad lines by file line). */
  readonly lines: number;
  /** Routes as columns, grouped by event (ascending `routeEvent`). */
  readonly routeEvent: Uint32Array;
  readonly routeSlot: Uint16Array;
  readonly routeInput: Uint16Array;
  readonly routePartition: Uint16Array;
  readonly routeKey: string[];
  /** Each route's group-by values, in order; `routeValueCount` says how many each has. */
  readonly routeValues: string[];
  readonly routeValueCount: Uint16Array;
  readonly routeValue: (number | string | null)[];
  /** Each event's ref (`source/id`), by position. */
  readonly refs: string[];
  /** Line number in the chunk (1-based) and reason, for lines that are not events. */
  readonly bad: [number, string][];
  readonly derivedSkipped: number;
}

const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);

if (parentPort) {
  const init = workerData as WorkerInit;
  const { ruleSet } = buildRuleSet(init.sources);
  if (!ruleSet) throw new Error('replay worker: the rules do not build');
  const engine = new CorrelationEngine(ruleSet, {
    ...init.options,
    owned: [0],
    checkpoints: false,
  });
  const decoder = new TextDecoder();
  const port = parentPort;
  port.on('message', (msg: ChunkRequest | 'stats') => {
    if (msg === 'stats') {
      port.postMessage({ stats: [...engine.stats()] });
      return;
    }
    const bytes = Buffer.from(msg.buffer, 0, msg.length);
    // Mostly ASCII in practice: a one-byte string is much faster to make and to parse.
    const text = isAscii(bytes) ? bytes.toString('latin1') : decoder.decode(bytes);
    const result = routeChunk(engine, text, msg.seq, init);
    port.postMessage(result, [
      result.sourceIndex.buffer as ArrayBuffer,
      result.times.buffer as ArrayBuffer,
      result.received.buffer as ArrayBuffer,
      result.routeEvent.buffer as ArrayBuffer,
      result.routeSlot.buffer as ArrayBuffer,
      result.routeInput.buffer as ArrayBuffer,
      result.routePartition.buffer as ArrayBuffer,
      result.routeValueCount.buffer as ArrayBuffer,
    ]);
  });
}

function routeChunk(
  engine: CorrelationEngine,
  text: string,
  seq: number,
  init: WorkerInit,
): ChunkResult {
  const sourceTable: string[] = [];
  const sourceIds = new Map<string, number>();
  const sourceIndex: number[] = [];
  const times: number[] = [];
  const received: number[] = [];
  const routeEvent: number[] = [];
  const routes: Route[] = [];
  const refs: string[] = [];
  const bad: [number, string][] = [];
  let derivedSkipped = 0;
  let lineNo = 0;
  const record = (source: string, time: number, receivedAt: number): number => {
    let id = sourceIds.get(source);
    if (id === undefined) {
      id = sourceTable.length;
      sourceTable.push(source);
      sourceIds.set(source, id);
    }
    sourceIndex.push(id);
    times.push(time);
    received.push(receivedAt);
    return times.length - 1;
  };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo += 1;
    if (line.trim() === '') continue;
    const quick = unreadKind(engine, line, init.defaultSource);
    if (quick) {
      record(quick.source, quick.time, quick.received);
      refs.push(`${quick.source}/${quick.id}`);
      continue;
    }
    const read = readRecordedLine(line, init.now, init.defaultSource);
    if (read.ok === 'skip') {
      derivedSkipped += 1;
      continue;
    }
    if (read.ok === false) {
      bad.push([lineNo, read.reason]);
      continue;
    }
    const e = read.event;
    const index = record(e.source, e.time, e.received);
    // Every event carries its ref, read by a rule or not: deduplication must not mistake two
    // events that no rule reads for copies of one another.
    refs.push(`${e.source}/${e.id}`);
    for (const r of engine.route(e)) {
      routeEvent.push(index);
      routes.push(r);
    }
  }
  return {
    seq,
    count: times.length,
    sourceIndex: Uint16Array.from(sourceIndex),
    times: Float64Array.from(times),
    received: Float64Array.from(received),
    sourceTable,
    lines: lineNo,
    routeEvent: Uint32Array.from(routeEvent),
    routeSlot: Uint16Array.from(routes, (r) => r.slot),
    routeInput: Uint16Array.from(routes, (r) => r.input),
    routePartition: Uint16Array.from(routes, (r) => r.partition),
    routeKey: routes.map((r) => r.key),
    routeValues: routes.flatMap((r) => r.values),
    routeValueCount: Uint16Array.from(routes, (r) => r.values.length),
    routeValue: routes.map((r) => r.value ?? null),
    refs,
    bad,
    derivedSkipped,
  };
}

/**
 * For a line whose kind no rule reads: its source, time and receipt time, read off the text
 * when each appears exactly once in the plain form a JSON serialiser writes. Anything less
 * clear-cut returns undefined and the line is parsed in full.
 */
function unreadKind(
  engine: CorrelationEngine,
  line: string,
  defaultSource: string,
): { source: string; time: number; received: number; id: string } | undefined {
  const kind = once(line, '"kind":"');
  if (kind < 0) return undefined;
  const kindEnd = line.indexOf('"', kind);
  const value = line.slice(kind, kindEnd);
  if (!KINDS.has(value) || engine.readsKind(value)) return undefined;
  const timeAt = once(line, '"time":');
  if (timeAt < 0) return undefined;
  const time = integerAt(line, timeAt);
  if (time === undefined) return undefined;
  let receivedAt = time;
  if (line.includes('"received":')) {
    const r = once(line, '"received":');
    const v = r < 0 ? undefined : integerAt(line, r);
    if (v === undefined) return undefined;
    receivedAt = v;
  }
  let source = defaultSource;
  if (line.includes('"source":')) {
    const s = once(line, '"source":"');
    if (s < 0) return undefined;
    const e = line.indexOf('"', s);
    source = line.slice(s, e);
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(source)) return undefined;
  }
  const idAt = once(line, '"id":"');
  if (idAt < 0) return undefined;
  const idEnd = line.indexOf('"', idAt);
  const id = line.slice(idAt, idEnd);
  // An escaped id takes the full parse, which reads it exactly.
  if (id.includes('\\')) return undefined;
  return { source, time, received: receivedAt, id };
}

/** Index just after `needle` when it occurs exactly once, else -1. */
function once(line: string, needle: string): number {
  const at = line.indexOf(needle);
  if (at < 0 || line.indexOf(needle, at + needle.length) >= 0) return -1;
  return at + needle.length;
}

function integerAt(line: string, at: number): number | undefined {
  let end = at;
  while (end < line.length && line.charCodeAt(end) >= 48 && line.charCodeAt(end) <= 57) end += 1;
  const c = line.charCodeAt(end);
  if (end === at || (c !== 44 && c !== 125)) return undefined;
  return Number(line.slice(at, end));
}
