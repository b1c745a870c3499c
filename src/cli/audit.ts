import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { AuditHead } from '../audit/audit-entry.js';
import { verifyChain, type ChainReport } from '../audit/chain.js';
import { loadConfig } from '../config/load-config.js';
import { CordonError } from '../shared/errors.js';
import { RedisAuditLog } from '../store/audit-log.js';
import { Keys } from '../store/keys.js';
import { createRedis, redactRedisUrl, redisAnswers } from '../store/redis.js';
import { resolveRedis } from './embedded-redis.js';
import { AUDIT_USAGE } from './usage.js';

interface VerifyArgs {
  readonly json: boolean;
  readonly anchor: AuditHead | undefined;
  readonly file: string | undefined;
}

/** `cordon audit verify` and `cordon audit export`. */
export async function runAudit(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'export') {
    if (rest.length === 0) return withTrail(exportTrail);
    console.error(`cordon audit export: unknown option "${rest[0] ?? ''}".\n\n${AUDIT_USAGE}`);
    return 2;
  }
  const options = command === 'verify' ? parseVerifyArgs(rest) : undefined;
  if (!options) {
    console.error(
      command === 'verify'
        ? AUDIT_USAGE
        : `cordon audit: unknown command${command === undefined ? '' : ` "${command}"`}.\n\n${AUDIT_USAGE}`,
    );
    return 2;
  }
  if (options.file && options.file !== '-' && !(await readable(options.file))) {
    console.error(
      `cordon audit verify: cannot read ${options.file}; give a file written by cordon audit export.`,
    );
    return 2;
  }
  const anchor = options.anchor ? { anchor: options.anchor } : {};
  const report = options.file
    ? await verifyChain(readLines(options.file), { head: 'not-kept', ...anchor })
    : await withTrail(async (log) => {
        const { head, length } = await log.snapshot();
        return verifyChain(log.records(length), { head, ...anchor });
      });
  print(report, options);
  return report.ok ? 0 : 1;
}

function print(report: ChainReport, options: VerifyArgs): void {
  if (options.json) console.log(JSON.stringify(report));
  else if (report.ok) {
    const head = `${report.head.seq}:${report.head.hash}`;
    const where = options.file ? options.file : `prefix ${loadConfig().redisPrefix}`;
    console.log(
      `Audit trail intact: ${report.count} entries (${where}), head ${head}.\n` +
        (options.file && !options.anchor
          ? 'An exported copy has no head of its own: pass the head recorded at export with --expect-head to catch a cut tail.'
          : `Keep the head outside Redis and pass it back later to also catch a rewritten trail:\n  cordon audit verify --expect-head ${head}`),
    );
  } else {
    console.error(
      `Audit trail BROKEN at index ${report.index} (seq ${report.seq}): ${report.kind}. ${report.reason}`,
    );
  }
}

/** Every stored entry as one line on stdout, the head (recorded in the same snapshot) on stderr. */
async function exportTrail(log: RedisAuditLog): Promise<number> {
  const { head, length } = await log.snapshot();
  for await (const raw of log.records(length)) {
    if (!process.stdout.write(`${raw}\n`))
      await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  console.error(
    head
      ? `Exported ${length} entries; head ${head.seq}:${head.hash} (verify the file with --expect-head ${head.seq}:${head.hash}).`
      : `Exported ${length} entries; the trail has no head record.`,
  );
  return 0;
}

/** Connects as `cordon start` does (REDIS_URL, else 6379, else the private server). */
async function withTrail<T>(use: (log: RedisAuditLog) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const resolved = await resolveRedis(config.redisUrl, config.homeDir);
  try {
    if (!(await redisAnswers(resolved.url, 5_000))) {
      throw new CordonError(
        'CORDON_ERR_CONFIG_REDIS_UNAVAILABLE',
        `Redis at ${redactRedisUrl(resolved.url)} does not answer. Check REDIS_URL.`,
      );
    }
    const redis = createRedis(resolved.url, {
      maxRetriesPerRequest: 1,
      enableAutoPipelining: false,
      connectionName: 'cordon:audit',
    });
    try {
      return await use(new RedisAuditLog(redis, new Keys(config.redisPrefix)));
    } finally {
      redis.disconnect();
    }
  } finally {
    await resolved.stop();
  }
}

async function readable(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function* readLines(file: string): AsyncGenerator<string> {
  const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
  for await (const line of createInterface({ input, crlfDelay: Infinity }))
    if (line.trim() !== '') yield line;
}

function parseVerifyArgs(args: readonly string[]): VerifyArgs | undefined {
  let json = false;
  let anchor: AuditHead | undefined;
  let file: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (arg === '--file') {
      file = args[i + 1];
      i += 1;
      if (!file) {
        console.error(
          'cordon audit verify: --file needs a file written by cordon audit export, or -.',
        );
        return undefined;
      }
    } else if (arg === '--expect-head') {
      const match = /^(\d+):([0-9a-f]{64})$/.exec(args[i + 1] ?? '');
      if (!match) {
        console.error(
          `cordon audit verify: --expect-head needs <seq>:<64 hex sha256>, as printed by an earlier verify; got ${JSON.stringify(args[i + 1] ?? '')}.`,
        );
        return undefined;
      }
      anchor = { seq: Number(match[1]), hash: match[2] as string };
      i += 1;
    } else {
      console.error(`cordon audit verify: unknown option ${JSON.stringify(arg)}.`);
      return undefined;
    }
  }
  return { json, anchor, file };
}
