import { isAscii } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import type { EngineOptions } from './engine/engine.js';
import { CorrelationEngine } from './engine/engine.js';
import { readRecordedLine } from './replay.js';
import { RoutedBatchBuilder, transferList, type RoutedBatch } from './routing/routed-batch.js';
import { buildRuleSet } from './rule/index.js';
import { skippableLine } from './routing/skip-line.js';
import type { RuleSource } from './rule/rule-source.js';

/**
 * A replay worker: parses, validates and routes chunks of recorded NDJSON (the stateless half
 * of correlation) and posts back, per chunk, what the main thread needs to apply them in order:
 * each event's source, time and receipt time, and its routes. Lines no rule can route are not
 * parsed at all when that can be read off their text (routing/skip-line.ts); such lines are
 * counted, not validated.
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

const OPEN_BRACE = 123;

if (parentPort) {
  const port = parentPort;
  const decoder = new TextDecoder();
  // The pool starts threads before the rules are loaded: the first message brings them.
  let started: { engine: CorrelationEngine; init: WorkerInit } | undefined;
  port.on('message', (msg: { init: WorkerInit } | ChunkRequest | 'stats') => {
    if (msg === 'stats') {
      port.postMessage({ stats: started ? [...started.engine.stats()] : [] });
      return;
    }
    if ('init' in msg) {
      started = start(msg.init);
      return;
    }
    if (!started) throw new Error('replay worker: a chunk came before the rules');
    const bytes = Buffer.from(msg.buffer, 0, msg.length);
    // Mostly ASCII in practice: a one-byte string is much faster to make and to parse.
    const text = isAscii(bytes) ? bytes.toString('latin1') : decoder.decode(bytes);
    const result = routeChunk(started.engine, text, msg.seq, started.init);
    port.postMessage(result, transferList(result));
  });
}

function start(init: WorkerInit): { engine: CorrelationEngine; init: WorkerInit } {
  const { ruleSet } = buildRuleSet(init.sources);
  if (!ruleSet) throw new Error('replay worker: the rules do not build');
  const engine = new CorrelationEngine(ruleSet, {
    ...init.options,
    owned: [0],
    checkpoints: false,
  });
  return { engine, init };
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
    // Blank lines are skipped; a line opening an object (nearly all) is not trimmed to see.
    if (line.charCodeAt(0) !== OPEN_BRACE && line.trim() === '') continue;
    const quick = skippableLine(engine, line, init.defaultSource);
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
