import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { loadConfig } from '../config/load-config.js';
import { loadRulesOrReport } from './load-rules.js';
import { inputFiles } from './replay-files.js';
import { engineOptions } from '../correlate/engine-options.js';
import type { RuleStats } from '../correlate/engine/rule-stats.js';
import type { Match, Retraction } from '../correlate/match.js';
import { Replay, readRecordedLine } from '../correlate/replay.js';
import type { ReplayPool } from '../correlate/replay-pool.js';

/** A short canonical event's line, to guess an input's event count from its size. */
const BYTES_PER_EVENT_GUESS = 120;

/** Lines with problems printed at most (the rest are counted). */
const MAX_REPORTED = 20;

/** Replays `input` (a file, a directory of them, or - for stdin) through the rules under `contentDir`. */
export async function replayInputs(
  contentDir: string,
  input: string,
  json: boolean,
  pool: ReplayPool | undefined,
): Promise<number> {
  const config = loadConfig();
  const content = await loadRulesOrReport('replay', contentDir);
  if (!content) return 1;
  let files;
  try {
    files = await inputFiles(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(
      code === 'ENOENT'
        ? `cordon replay: ${input}: no such file or directory; name an NDJSON file, a directory of them, or - for stdin.`
        : `cordon replay: cannot read ${input} (${code ?? (err instanceof Error ? err.message : String(err))}).`,
    );
    return 1;
  }
  if (files.length === 0) {
    console.error(`cordon replay: no .ndjson, .jsonl or .json files under ${input}.`);
    return 1;
  }

  const out = process.stdout;
  let matches = 0;
  const options = engineOptions(config.correlate, content.connectors, 1);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const started = performance.now();
  const now = Date.now();
  // The threads build their rules while this one sets up the replay (its dedupe memory for a
  // million events takes ~40 ms to fault in), instead of after; until one is ready, this one
  // routes the chunks itself with the rules it has built.
  pool?.begin(
    { sources: content.ruleSources, options, now, defaultSource: 'replay' },
    undefined,
    content.rules,
  );
  const replay = new Replay(
    content.rules,
    options,
    (m) => {
      matches += 1;
      if (json) out.write(`${JSON.stringify(matchLine(m))}\n`);
    },
    config.ingest.dedupeWindowMs,
    Math.ceil(bytes / BYTES_PER_EVENT_GUESS),
  );
  let retractions = 0;
  replay.onRetraction = (r) => {
    retractions += 1;
    if (json) out.write(`${JSON.stringify(retractionLine(r))}\n`);
  };

  const progress = new Progress(process.stderr, bytes);
  let bad = 0;
  let skipped = 0;
  let unparsed = 0;
  const badLines: string[] = [];
  if (pool) {
    pool.applyTo(replay);
    for (const file of files) {
      await readChunks(file.path, async (chunk, length) => {
        progress.advance(length, replay.events);
        await pool.send(chunk, length, file.label);
      });
    }
    await pool.finish();
    bad = pool.badCount;
    skipped = pool.derivedSkipped;
    unparsed = pool.unparsed;
    badLines.push(...pool.bad);
  } else {
    for (const file of files) {
      let lineNo = 0;
      await readLines(file.path, (line, bytes) => {
        lineNo += 1;
        progress.advance(bytes, replay.events);
        if (line.trim() === '') return;
        const read = readRecordedLine(line, now, 'replay');
        if (read.ok === true) replay.push(read.event);
        else if (read.ok === 'skip') skipped += 1;
        else {
          bad += 1;
          if (bad <= MAX_REPORTED) badLines.push(`${file.label}:${lineNo}: ${read.reason}`);
        }
      });
    }
  }
  replay.finish();
  const seconds = (performance.now() - started) / 1000;
  progress.done();
  for (const b of badLines) process.stderr.write(`${b}\n`);

  const err = process.stderr;
  err.write(
    summary(
      replay.stats(),
      content.rules.correlations.map((c) => [c.key, c.type] as const),
    ),
  );
  err.write(
    `\n${replay.events} events in ${seconds.toFixed(2)} s (${Math.round(replay.events / Math.max(seconds, 1e-9)).toLocaleString('en-US')} events/s), ${matches} matches` +
      `${bad > 0 ? `, ${plural(bad, 'bad line')}${bad > badLines.length ? ` (first ${badLines.length} shown)` : ''}` : ''}` +
      `${retractions > 0 ? `, ${plural(retractions, 'retraction')}` : ''}` +
      `${replay.duplicates > 0 ? `, ${plural(replay.duplicates, 'duplicate')} skipped` : ''}` +
      `${skipped > 0 ? `, ${skipped} derived events skipped (re-derived)` : ''}` +
      `${unparsed > 0 ? `; ${plural(unparsed, 'line')} no detection could match counted without parsing` : ''}.\n`,
  );
  return 0;
}

/** What `--json` prints per match. */
export function matchLine(m: Match): Record<string, unknown> {
  return {
    matchId: m.matchId,
    rule: m.rule,
    title: m.ruleTitle,
    type: m.ruleType,
    level: m.level,
    tags: m.tags,
    group: m.group,
    groupKey: m.groupKey,
    windowStart: m.windowStart,
    windowEnd: m.windowEnd,
    firstTime: m.firstTime,
    lastTime: m.lastTime,
    count: m.count,
    aggregate: m.aggregate,
    late: m.late,
    partial: m.partial,
    approximate: m.approximate,
    suppressedCount: m.suppressedCount,
    events: m.refs,
  };
}

/**
 * What `--json` prints for a match withdrawn by a later event: `retracted` names the match (a
 * line printed before it), so a consumer can tell the two kinds of line apart by that key.
 */
export function retractionLine(r: Retraction): Record<string, unknown> {
  return {
    retracted: r.matchId,
    rule: r.rule,
    title: r.ruleTitle,
    group: r.group,
    groupKey: r.groupKey,
    by: r.ref,
    time: r.time,
    reason: r.reason,
    tooLate: r.tooLate,
  };
}

function summary(
  stats: ReadonlyMap<string, RuleStats>,
  types: readonly (readonly [string, string])[],
): string {
  const typeOf = new Map(types);
  const rows = [...stats].map(([rule, s]) => [
    rule,
    typeOf.get(rule) ?? 'detection',
    String(s.events),
    String(s.matches),
    String(s.retracted),
    String(s.suppressed),
    String(s.lateDropped),
    s.evalMs.toFixed(1),
  ]);
  const header = [
    'rule',
    'type',
    'events',
    'matches',
    'retracted',
    'suppressed',
    'late dropped',
    'eval ms',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/**
 * Calls `onChunk` with buffers whose first `length` bytes are whole lines (about 1 MiB). Each
 * buffer is freshly allocated and read into directly, so it can be transferred to a worker
 * without a copy; only the partial line at its end is copied into the next one.
 */
async function readChunks(
  path: string,
  onChunk: (chunk: ArrayBuffer, length: number) => Promise<void>,
): Promise<void> {
  if (path === '-') {
    for await (const piece of readStdinChunks()) await onChunk(piece, piece.byteLength);
    return;
  }
  const size = 1 << 20;
  const handle = await open(path, 'r');
  try {
    let carry = new Uint8Array(0);
    let first = true;
    for (;;) {
      const buffer = new ArrayBuffer(carry.length + size);
      const bytes = new Uint8Array(buffer);
      bytes.set(carry);
      const { bytesRead } = await handle.read(bytes, carry.length, size, null);
      let filled = carry.length + bytesRead;
      if (first) {
        first = false;
        if (hasBom(bytes, filled)) {
          bytes.copyWithin(0, BOM_BYTES, filled);
          filled -= BOM_BYTES;
          if (filled === 0) continue;
        }
      }
      if (bytesRead === 0) {
        if (filled > 0) await onChunk(buffer, filled);
        return;
      }
      const cut = bytes.lastIndexOf(10, filled - 1);
      if (cut < 0) {
        carry = bytes.slice(0, filled);
        continue;
      }
      carry = bytes.slice(cut + 1, filled);
      await onChunk(buffer, cut + 1);
    }
  } finally {
    await handle.close();
  }
}

async function* readStdinChunks(): AsyncGenerator<ArrayBuffer> {
  let rest: Buffer = Buffer.alloc(0);
  let checked = false;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    if (!checked && data.length >= BOM_BYTES) {
      checked = true;
      if (hasBom(data, data.length)) data = data.subarray(BOM_BYTES);
    }
    const cut = data.lastIndexOf(10);
    if (cut < 0) {
      rest = data;
      continue;
    }
    yield Uint8Array.from(data.subarray(0, cut + 1)).buffer;
    rest = data.subarray(cut + 1);
  }
  if (rest.length > 0) yield Uint8Array.from(rest).buffer;
}

/**
 * A UTF-8 byte-order mark, which editors on Windows put at the start of a file: dropped there by
 * every reader of a replay (with or without worker threads), kept anywhere else, where it makes
 * the line it starts a bad one.
 */
const BOM_BYTES = 3;

function hasBom(bytes: Uint8Array, length: number): boolean {
  return length >= BOM_BYTES && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Calls `onLine` for every line (without its newline), with the bytes it took. */
export async function readLines(
  path: string,
  onLine: (line: string, bytes: number) => void,
): Promise<void> {
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let checked = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text = rest + decoder.write(chunk);
    if (!checked && text !== '') {
      checked = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl), nl - start + 1);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') onLine(rest, rest.length);
}

/** A one-line progress bar on a terminal; silent otherwise. */
class Progress {
  #bytes = 0;
  #lastDraw = 0;
  readonly #tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
  ) {
    this.#tty = stream.isTTY === true;
  }

  advance(bytes: number, events: number): void {
    this.#bytes += bytes;
    if (!this.#tty) return;
    const now = performance.now();
    if (now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    const share = this.total > 0 ? Math.min(1, this.#bytes / this.total) : 0;
    const width = 30;
    const filled = Math.round(share * width);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${this.total > 0 ? `${Math.round(share * 100)}%` : ''} ${events.toLocaleString('en-US')} events`,
    );
  }

  log(message: string): void {
    if (this.#tty) this.stream.write('\r\x1b[K');
    this.stream.write(`${message}\n`);
  }

  done(): void {
    if (this.#tty) this.stream.write('\r\x1b[K');
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
