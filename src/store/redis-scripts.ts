import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { RedisClient } from './redis.js';

/**
 * Lua scripts live in `store/scripts/<verbNoun>-<numKeys>.lua`, one atomic command each, with
 * a header documenting KEYS, ARGV (with units) and returns. The key count comes from the file
 * name so a caller passing the wrong number of keys fails loudly instead of shifting ARGV.
 * Time always arrives in ARGV: no script calls Redis TIME.
 */
interface Script {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  readonly sha1: string;
}

let cache: ReadonlyMap<string, Script> | undefined;

function loadScripts(): ReadonlyMap<string, Script> {
  if (cache) return cache;
  const dir = new URL('./scripts/', import.meta.url);
  const scripts = new Map<string, Script>();
  for (const file of readdirSync(dir)) {
    const match = /^([a-zA-Z]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const lua = readFileSync(new URL(file, dir), 'utf8');
    const name = match[1] as string;
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

export type ScriptArg = string | number;

export class ScriptRunner {
  readonly #scripts = loadScripts();

  constructor(private readonly redis: RedisClient) {}

  /** EVALSHA, falling back to EVAL (which caches the script) when Redis lost it. */
  async run(name: string, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const script = this.#scripts.get(name);
    if (!script) throw new Error(`No Lua script named "${name}" in store/scripts.`);
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`Script ${name} takes ${script.numberOfKeys} keys; got ${keys.length}.`);
    }
    // One array, never spread into the call: a checkpoint can carry more arguments than a
    // JavaScript call may take.
    const all = [...keys];
    for (const a of args) all.push(String(a));
    try {
      return await this.redis.evalsha(script.sha1, keys.length, all);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return this.redis.eval(script.lua, keys.length, all);
    }
  }
}
