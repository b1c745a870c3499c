import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { addStandardJob } from 'bullmq/dist/cjs/scripts/addStandardJob-9.js';
import { Cluster, Command } from 'ioredis';
import type { RedisClient } from './redis.js';

/**
 * Lua scripts live in `store/scripts/<verbNoun>-<numKeys>.lua`, one atomic command each, with
 * a header documenting KEYS, ARGV (with units) and returns. The key count comes from the file
 * name so a caller passing the wrong number of keys fails loudly instead of shifting ARGV.
 * Time always arrives in ARGV: no script calls Redis TIME.
 *
 * A script that does another's work in the same atomic step includes it rather than copying
 * it: a line `--- @include <name>` becomes `local function <name>(KEYS, ARGV) … end` holding
 * that script of ours, and `--- @bullmq <name>` the same around the installed BullMQ's own
 * script (so a job it adds has exactly the layout that version of BullMQ reads).
 */
interface Script {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  readonly sha1: string;
}

let cache: ReadonlyMap<string, Script> | undefined;

/** BullMQ scripts a script of ours may include (its text, with BullMQ's includes resolved). */
const BULLMQ_SCRIPTS: Readonly<Record<string, { readonly content: string }>> = { addStandardJob };

const INCLUDE = /^--- @(include|bullmq) ([a-zA-Z]+)$/gm;

/**
 * `lua` with its include lines replaced by the scripts they name, each as a local function; a
 * script of ours included is composed first, so it may include others in turn (`within`: the
 * scripts being composed around this one, so an include cycle fails rather than recursing).
 */
function compose(
  file: string,
  lua: string,
  ours: ReadonlyMap<string, string>,
  within: readonly string[],
): string {
  return lua.replace(INCLUDE, (_, from: string, name: string) => {
    const raw = from === 'bullmq' ? BULLMQ_SCRIPTS[name]?.content : ours.get(name);
    if (raw === undefined)
      throw new Error(
        `Lua script ${file} includes ${from === 'bullmq' ? "BullMQ's" : 'our'} script "${name}", which is not there.`,
      );
    if (from !== 'bullmq' && within.includes(name))
      throw new Error(
        `Lua script ${file} includes itself through ${[...within, name].join(' → ')}; remove one of those includes.`,
      );
    const body = from === 'bullmq' ? raw : compose(file, raw, ours, [...within, name]);
    return `local function ${name}(KEYS, ARGV)\n${body}\nend`;
  });
}

function loadScripts(): ReadonlyMap<string, Script> {
  if (cache) return cache;
  const dir = new URL('./scripts/', import.meta.url);
  const scripts = new Map<string, Script>();
  const files = readdirSync(dir).filter((file) => /^[a-zA-Z]+-\d+\.lua$/.test(file));
  const texts = new Map<string, string>();
  for (const file of files)
    texts.set(file.replace(/-\d+\.lua$/, ''), readFileSync(new URL(file, dir), 'utf8'));
  for (const file of files) {
    const match = /^([a-zA-Z]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const name = match[1] as string;
    const lua = compose(file, readFileSync(new URL(file, dir), 'utf8'), texts, [name]);
    const twin = scripts.get(name);
    if (twin)
      throw new Error(
        `Lua script ${name} is there twice (${name}-${twin.numberOfKeys}.lua and ${file}); remove the stale copy (npm run build rebuilds dist/store/scripts).`,
      );
    scripts.set(name, {
      name,
      numberOfKeys: Number(match[2]),
      lua,
      sha1: createHash('sha1').update(lua).digest('hex'),
    });
  }
  cache = scripts;
  return scripts;
}

/** Buffers go to Redis as they are (BullMQ's msgpack-packed arguments, stored event bytes). */
export type ScriptArg = string | number | Buffer;

/**
 * A command whose argument list is already flat (strings and Buffers). ioredis's Command
 * copies the list it is given with Array#flat, to take node_redis-style nested arrays; on
 * Node 20 that costs ~80 ns an argument (~2.5 µs for a run save's thirty), about as much as
 * encoding the rest of the command. Public API only: the list is set after construction and
 * `stringifyArguments` marks it as holding Buffers, as the constructor would have.
 */
class FlatCommand extends Command {
  constructor(name: string, args: (string | Buffer)[]) {
    // Replies as strings, as ioredis's own commands give them (the default would be Buffers).
    super(name, [], { replyEncoding: 'utf8' });
    this.args = args;
    this.stringifyArguments();
  }
}

/**
 * Whether a command may go to `redis` through sendCommand, as FlatCommand does: only where
 * the generated command methods would add nothing to it, i.e. no auto-pipelining (which
 * sendCommand bypasses), no key prefix and no captured call stacks.
 */
function takesFlatCommands(redis: RedisClient): boolean {
  // A stand-in with only evalsha and eval (a test's broken connection) goes the usual way.
  const options = (redis as { options?: unknown }).options as
    | {
        enableAutoPipelining?: boolean;
        keyPrefix?: string;
        showFriendlyErrorStack?: boolean;
        redisOptions?: { keyPrefix?: string };
      }
    | undefined;
  return (
    options !== undefined &&
    typeof redis.sendCommand === 'function' &&
    options.enableAutoPipelining !== true &&
    !options.keyPrefix &&
    !options.redisOptions?.keyPrefix &&
    options.showFriendlyErrorStack !== true
  );
}

export class ScriptRunner {
  readonly #scripts = loadScripts();
  readonly #flat: boolean;

  constructor(private readonly redis: RedisClient) {
    this.#flat = takesFlatCommands(redis);
  }

  /** EVALSHA, falling back to EVAL (which caches the script) when Redis lost it. */
  async run(name: string, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const script = this.#scripts.get(name);
    if (!script) throw new Error(`No Lua script named "${name}" in store/scripts.`);
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`Script ${name} takes ${script.numberOfKeys} keys; got ${keys.length}.`);
    }
    // One array, never spread into the call: a checkpoint can carry more arguments than a
    // JavaScript call may take.
    const all: (string | Buffer)[] = [script.sha1, String(keys.length), ...keys];
    for (const a of args) all.push(Buffer.isBuffer(a) ? a : String(a));
    try {
      return await (this.#flat
        ? this.redis.sendCommand(new FlatCommand('evalsha', all))
        : this.redis.evalsha(script.sha1, keys.length, all.slice(2)));
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return this.redis.eval(script.lua, keys.length, all.slice(2));
    }
  }
}

/**
 * Loads every script into Redis (each master of a cluster) before first use. Without it, a
 * burst right after start (a flood of triggers) sends each script's first EVALSHAs all at
 * once: every one is refused (NOSCRIPT) and retried as an EVAL carrying the whole script
 * (about 30 KB for the scripts that include BullMQ's addStandardJob), one per command in the
 * burst. A failure here only costs that fallback, which `run` still does.
 */
export async function preloadScripts(redis: RedisClient): Promise<void> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const scripts = [...loadScripts().values()];
  await Promise.all(
    nodes.map((node) => Promise.all(scripts.map((s) => node.script('LOAD', s.lua)))),
  );
}
