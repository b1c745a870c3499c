import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'ioredis';
import type { RedisClient } from './redis.js';

/**
 * The append script's text and SHA-1, as ScriptRunner loads it (appendEvents includes no
 * other script, so its text is the file's): EVALSHA by this SHA finds the script that any
 * ScriptRunner or `preloadScripts` loaded.
 */
const APPEND_LUA = readFileSync(new URL('./scripts/appendEvents-6.lua', import.meta.url), 'utf8');
export const APPEND_SHA = createHash('sha1').update(APPEND_LUA).digest('hex');

/** One argument of an encoded command: text (written as UTF-8) or bytes (copied as they are). */
export type CommandPart = string | Uint8Array;

/**
 * Arguments already written as RESP bulk strings (`$<n>\r\n<bytes>\r\n`, see `frameParts`),
 * `count` of them in the `[start, end)` byte ranges of `bytes` (`ranges` holds start, end
 * pairs): a command's frame takes them with one copy per range instead of one per argument.
 */
export interface FramedParts {
  readonly bytes: Uint8Array;
  readonly ranges: readonly number[];
  readonly count: number;
}

const CRLF = 0x0d0a;

/**
 * A command written once, by us, as the RESP bytes Redis reads. ioredis would copy an
 * argument list holding Buffers into one new Buffer (Command.toWritable), and auto-pipelining
 * copies that again into the pipeline's Buffer: for a 500-event append that is two fresh
 * ~600 kB copies per request (~8 % of a `_bulk` request's main-thread time). This command
 * hands the socket the bytes it was made with; `args` holds only the name's arguments up to the
 * keys, which is all ioredis reads (cluster slot, error messages). ioredis's own Script class
 * overrides toWritable the same way. Sent with sendCommand, which bypasses auto-pipelining.
 */
class EncodedCommand extends Command {
  readonly #frame: Buffer;

  constructor(name: string, head: readonly string[], frame: Buffer) {
    // Replies as strings, as ioredis's own commands give them (the default would be Buffers).
    super(name, [...head], { replyEncoding: 'utf8' });
    this.#frame = frame;
  }

  override toWritable(): Buffer {
    return this.#frame;
  }
}

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d += 1;
  }
  return d;
}

/** Writes `$<n>\r\n` at `at` (`d` = digits(n)), byte by byte; returns the offset after it. */
function writeHeader(frame: Buffer, at: number, n: number, d: number): number {
  frame[at] = 0x24; // $
  for (let i = d, v = n; i > 0; i -= 1) {
    frame[at + i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  frame.writeUInt16BE(CRLF, at + 1 + d);
  return at + d + 3;
}

/**
 * `parts` as RESP bulk strings back to back, in one buffer of its own (not Node's shared pool:
 * an ingest worker thread transfers it whole); `ends[k]` is where part k's ends. What a worker
 * thread sends back, so the main thread copies a batch's arguments into its frame in one piece.
 */
export function frameParts(parts: readonly string[]): { bytes: Buffer; ends: Uint32Array } {
  const lengths = new Array<number>(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i += 1) {
    const n = Buffer.byteLength(parts[i] as string);
    lengths[i] = n;
    total += 1 + digits(n) + 2 + n + 2;
  }
  const bytes = Buffer.allocUnsafeSlow(total);
  const ends = new Uint32Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i += 1) {
    const n = lengths[i] as number;
    at = writeHeader(bytes, at, n, digits(n));
    at += bytes.write(parts[i] as string, at, 'utf8');
    bytes.writeUInt16BE(CRLF, at);
    at += 2;
    ends[i] = at;
  }
  return { bytes, ends };
}

/** The bytes of each argument in `framed` (views, no copy), as a command would take them. */
export function framedArguments(framed: FramedParts): Uint8Array[] {
  const out: Uint8Array[] = [];
  const { bytes, ranges } = framed;
  for (let r = 0; r + 1 < ranges.length; r += 2) {
    let at = ranges[r] as number;
    const end = ranges[r + 1] as number;
    while (at < end) {
      let n = 0;
      let i = at + 1; // after the '$'
      while (bytes[i] !== 0x0d) n = n * 10 + ((bytes[i++] as number) - 0x30);
      const start = i + 2;
      out.push(bytes.subarray(start, start + n));
      at = start + n + 2;
    }
  }
  return out;
}

/**
 * The RESP frame of `parts` (the command name first): `*n`, then `$len` + bytes each; then the
 * arguments of `framed`, if any, copied range by range.
 *
 * A string's UTF-8 length is not measured before it is written (Buffer.byteLength walks the
 * whole string, and flattens a concatenated one first: for a 500-event append that was most of
 * the encoding's time). The frame is sized for the worst case (3 bytes per UTF-16 unit), each
 * string is written where its length header would end if its bytes were as many as its units
 * (ASCII, the usual case), and moved up behind a longer header in the rare case they are not.
 */
export function encodeCommand(parts: readonly CommandPart[], framed?: FramedParts): Buffer {
  const count = parts.length + (framed?.count ?? 0);
  let bound = 1 + digits(count) + 2;
  const ranges = framed?.ranges ?? [];
  for (let r = 0; r + 1 < ranges.length; r += 2)
    bound += (ranges[r + 1] as number) - (ranges[r] as number);
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as CommandPart;
    const n = typeof part === 'string' ? 3 * part.length : part.byteLength;
    bound += 1 + digits(n) + 2 + n + 2;
  }
  // Outside Node's shared pool: a frame this size would not fit it, and it is written whole.
  const frame = Buffer.allocUnsafeSlow(bound);
  let at = frame.write(`*${count}\r\n`, 0, 'latin1');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as CommandPart;
    if (typeof part === 'string') {
      const guess = digits(part.length);
      const start = at + 1 + guess + 2;
      const n = frame.write(part, start, bound - start, 'utf8');
      const d = digits(n);
      // More bytes than units may need a longer header: the bytes move up behind it.
      if (d !== guess) frame.copyWithin(start + d - guess, start, start + n);
      at = writeHeader(frame, at, n, d);
      at += n;
    } else {
      const n = part.byteLength;
      at = writeHeader(frame, at, n, digits(n));
      frame.set(part, at);
      at += n;
    }
    frame.writeUInt16BE(CRLF, at);
    at += 2;
  }
  if (framed !== undefined) {
    const source = Buffer.from(
      framed.bytes.buffer,
      framed.bytes.byteOffset,
      framed.bytes.byteLength,
    );
    for (let r = 0; r + 1 < ranges.length; r += 2)
      at += source.copy(frame, at, ranges[r], ranges[r + 1]);
  }
  return at === frame.length ? frame : frame.subarray(0, at);
}

/**
 * EVALSHA of the append script with `keys`, `args` and then `framed`'s arguments, sent as one
 * encoded frame. A Redis that
 * lost the script (restart, SCRIPT FLUSH) answers NOSCRIPT: the caller then runs it through
 * ScriptRunner, which sends EVAL (and so loads it again).
 */
export async function evalAppend(
  redis: RedisClient,
  keys: readonly string[],
  args: readonly CommandPart[],
  framed?: FramedParts,
): Promise<unknown> {
  const head = [APPEND_SHA, String(keys.length), ...keys];
  const frame = encodeCommand(['evalsha', ...head, ...args], framed);
  return redis.sendCommand(new EncodedCommand('evalsha', head, frame));
}
