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

/** The RESP frame of `parts` (the command name first): `*n`, then `$len` + bytes each. */
export function encodeCommand(parts: readonly CommandPart[]): Buffer {
  const lengths = new Array<number>(parts.length);
  let total = 1 + String(parts.length).length + 2;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as CommandPart;
    const n = typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.byteLength;
    lengths[i] = n;
    total += 1 + String(n).length + 2 + n + 2;
  }
  // Outside Node's shared pool: a frame this size would not fit it, and it is written whole.
  const frame = Buffer.allocUnsafeSlow(total);
  let at = frame.write(`*${parts.length}\r\n`, 0, 'latin1');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as CommandPart;
    const n = lengths[i] as number;
    at += frame.write(`$${n}\r\n`, at, 'latin1');
    if (typeof part === 'string') at += frame.write(part, at, n, 'utf8');
    else {
      frame.set(part, at);
      at += n;
    }
    frame.writeUInt16BE(CRLF, at);
    at += 2;
  }
  return frame;
}

/**
 * EVALSHA of the append script with `keys` and `args`, sent as one encoded frame. A Redis that
 * lost the script (restart, SCRIPT FLUSH) answers NOSCRIPT: the caller then runs it through
 * ScriptRunner, which sends EVAL (and so loads it again).
 */
export async function evalAppend(
  redis: RedisClient,
  keys: readonly string[],
  args: readonly CommandPart[],
): Promise<unknown> {
  const head = [APPEND_SHA, String(keys.length), ...keys];
  const frame = encodeCommand(['evalsha', ...head, ...args]);
  return redis.sendCommand(new EncodedCommand('evalsha', head, frame));
}
