import { isAscii } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { EVENT_KINDS } from '../ingest/canonical-event.js';
import type { EngineOptions } from './engine/engine.js';
import { CorrelationEngine } from './engine/engine.js';
import { readRecordedLine } from './replay.js';
import { RoutedBatchBuilder, transferList, type RoutedBatch } from './routing/routed-batch.js';
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

export interface ChunkResult extends RoutedBatch {
  readonly seq: number;
  /** Lines in the chunk (to number bad lines by file line). */
  readonly lines: number;
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
    port.postMessage(result, transferList(result));
  });
}

function routeChunk(
  engine: CorrelationEngine,
  text: string,
  seq: number,
  init: WorkerInit,
): ChunkResult {
  const batch = new RoutedBatchBuilder(true);
  const bad: [number, string][] = [];
  let derivedSkipped = 0;
  let lineNo = 0;
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
      batch.add('', quick.source, quick.time, quick.received, `${quick.source}/${quick.id}`, []);
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
    // Every event carries its ref, read by a rule or not: deduplication must not mistake two
    // events that no rule reads for copies of one another.
    batch.add('', e.source, e.time, e.received, `${e.source}/${e.id}`, engine.route(e));
  }
  return { ...batch.build(), seq, lines: lineNo, bad, derivedSkipped };
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
  // The kind first, from its first mention: a kind some rule reads takes the full parse at
  // once, without the scans below (most lines, when most kinds are read).
  const first = line.indexOf('"kind":"');
  if (first < 0) return undefined;
  const kind = first + '"kind":"'.length;
  const value = line.slice(kind, line.indexOf('"', kind));
  if (!KINDS.has(value) || engine.readsKind(value)) return undefined;
  if (once(line, '"kind":"') !== kind) return undefined;
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
