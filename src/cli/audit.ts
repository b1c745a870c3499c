import { Redis } from 'ioredis';
import type { AuditHead } from '../audit/audit-entry.js';
import { verifyChain } from '../audit/chain.js';
import { loadConfig } from '../config/load-config.js';
import { CordonError } from '../shared/errors.js';
import { RedisAuditLog } from '../store/audit-log.js';
import { Keys } from '../store/keys.js';
import { redisAnswers } from '../store/redis.js';
import { resolveRedis } from './embedded-redis.js';

export const AUDIT_USAGE = `Usage: cordon audit verify [--json] [--expect-head <seq>:<sha256>]

Walks the audit trail in Redis (REDIS_URL, CORDON_REDIS_PREFIX) from its first entry and checks
every link of the hash chain. Exits 0 when intact, 1 naming the first bad entry and the kind of
tampering (edited, removed, reordered, inserted, truncated), 2 on a usage error.
  --expect-head   a head printed by an earlier verify and kept outside Redis: also catches a
                  trail rewritten or truncated together with its head
  --json          print the report as one JSON object`;

/** `cordon audit verify`. */
export async function runAudit(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  const options = command === 'verify' ? parseVerifyArgs(rest) : undefined;
  if (!options) {
    console.error(
      command === 'verify' ? AUDIT_USAGE : `cordon audit: unknown command.\n\n${AUDIT_USAGE}`,
    );
    return 2;
  }
  const config = loadConfig();
  const resolved = await resolveRedis(config.redisUrl, config.homeDir);
  try {
    if (!(await redisAnswers(resolved.url, 5_000))) {
      throw new CordonError(
        'CORDON_ERR_CONFIG_REDIS_UNAVAILABLE',
        `Redis at ${new URL(resolved.url).host} does not answer. Check REDIS_URL.`,
      );
    }
    const redis = new Redis(resolved.url, {
      maxRetriesPerRequest: 1,
      connectionName: 'cordon:audit-verify',
    });
    try {
      const log = new RedisAuditLog(redis, new Keys(config.redisPrefix));
      const { head, length } = await log.snapshot();
      const report = await verifyChain(log.records(length), {
        head,
        ...(options.anchor ? { anchor: options.anchor } : {}),
      });
      if (options.json) console.log(JSON.stringify(report));
      else if (report.ok) {
        const anchor = `${report.head.seq}:${report.head.hash}`;
        console.log(
          `Audit trail intact: ${report.count} entries (prefix ${config.redisPrefix}), head ${anchor}.\n` +
            `Keep the head outside Redis and pass it back later to also catch a rewritten trail:\n` +
            `  cordon audit verify --expect-head ${anchor}`,
        );
      } else {
        console.error(
          `Audit trail BROKEN at index ${report.index} (seq ${report.seq}): ${report.kind}. ${report.reason}`,
        );
      }
      return report.ok ? 0 : 1;
    } finally {
      redis.disconnect();
    }
  } finally {
    await resolved.stop();
  }
}

function parseVerifyArgs(
  args: readonly string[],
): { json: boolean; anchor: AuditHead | undefined } | undefined {
  let json = false;
  let anchor: AuditHead | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (arg === '--expect-head') {
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
  return { json, anchor };
}
