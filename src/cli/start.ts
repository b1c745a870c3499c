import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { generateDefaultPrincipals } from '../config/principals.js';
import { startCordon } from '../main.js';
import { createLogger, logDestination } from '../shared/logger.js';
import { resolveRedis } from './embedded-redis.js';
import { START_USAGE } from './usage.js';
import { exitAfterStop } from './exit-after-stop.js';
import { pipelinesNote } from './content-summary.js';

/**
 * `cordon start`: every role in one process on embedded defaults, until SIGINT/SIGTERM, which
 * drain in-flight work (HTTP requests, the event batch in hand, running jobs) before exiting.
 */
export async function runStart(argv: readonly string[] = []): Promise<number> {
  if (argv.length > 0) {
    console.error(
      `cordon start: takes no arguments (got "${argv.join(' ')}"); settings are environment variables.\n\n${START_USAGE}`,
    );
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel, logDestination(config.logFormat));
  const redis = await resolveRedis(config.redisUrl, config.homeDir);

  let generated: Awaited<ReturnType<typeof generateDefaultPrincipals>> | undefined;
  const defaultTokensFile = resolve(config.homeDir, 'tokens.json');
  if (!(await exists(config.tokensFile))) {
    if (config.tokensFile !== defaultTokensFile) {
      await redis.stop();
      console.error(
        `cordon: the tokens file ${config.tokensFile} (CORDON_TOKENS_FILE) does not exist.`,
      );
      return 1;
    }
    generated = await generateDefaultPrincipals(config.tokensFile);
  }

  let cordon;
  try {
    cordon = await startCordon({ config, redisUrl: redis.url, logger, listen: true });
  } catch (err) {
    await redis.stop();
    throw err;
  }

  const sources = cordon.content.connectors.filter((c) => c.kind === 'source').map((c) => c.name);
  const lines = [
    '',
    `Cordon is running at ${cordon.url ?? '(no API role)'}  (roles: ${cordon.roles.join(', ')})`,
    ...(cordon.opsUrl
      ? [`  Probes:      ${cordon.opsUrl}/healthz, /readyz; metrics at ${cordon.opsUrl}/metrics`]
      : []),
    `  Redis:       ${redis.origin}${redis.origin === 'REDIS_URL' ? '' : ` ${redis.url}`}`,
    `  Content:     ${cordon.content.rules.detections.size} detection rule(s), ${cordon.content.rules.correlations.length} correlation(s)${pipelinesNote(cordon.content.rules.pipelines)}, ${cordon.content.playbooks.length} playbook(s) from ${config.contentDir}`,
    `  Ingest:      POST ${cordon.url ?? ''}/v1/ingest/{${sources.join('|')}}`,
    `  API docs:    ${cordon.url ?? ''}/docs`,
    ...consoleLines(
      cordon.consoleUrl,
      cordon.consoleBuilt,
      generated?.credentialsFile ??
        (config.tokensFile === defaultTokensFile
          ? resolve(config.homeDir, 'credentials.env')
          : undefined),
    ),
    `  Auth:        every endpoint but /healthz, /readyz and /docs needs "Authorization: Bearer <token>".`,
    generated
      ? `               Tokens were generated for this installation: source ${generated.credentialsFile}\n               (CORDON_INGEST_TOKEN, CORDON_APPROVER_TOKEN, CORDON_ANALYST_TOKEN, CORDON_GATEWAY_TOKEN, CORDON_ADMIN_TOKEN).`
      : `               Tokens come from ${config.tokensFile}${config.tokensFile === defaultTokensFile ? ` (plain values in ${resolve(config.homeDir, 'credentials.env')})` : ''}.`,
    '  Stop with Ctrl-C.',
    '',
  ];
  console.log(lines.join('\n'));

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        console.error('cordon: second signal, exiting without draining.');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: draining in-flight work');
      void (async () => {
        try {
          await cordon.stop();
          await redis.stop();
          logger.info('stopped');
          resolveExit(0);
          exitAfterStop(0, logger);
        } catch (err) {
          logger.error({ err }, 'error while stopping');
          resolveExit(1);
          exitAfterStop(1, logger);
        }
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * The console and how to sign in: a link whose #fragment carries the token (browsers never send
 * a fragment to the server). The banner never prints a token itself: the link is built from
 * the credentials file, where the generated tokens are.
 */
function consoleLines(
  url: string | undefined,
  built: boolean,
  credentials: string | undefined,
): string[] {
  if (!url) return [];
  if (!built) return [`  Console:     ${url} (not built: run npm run build, then restart)`];
  const link = (name: string): string =>
    credentials ? `(. ${credentials} && echo "${url}/#token=$${name}")` : `${url}/#token=<token>`;
  return [
    `  Console:     ${url}  sign in with a link carrying a token in its #fragment:`,
    `               approver: ${link('CORDON_APPROVER_TOKEN')}`,
    `               admin:    ${link('CORDON_ADMIN_TOKEN')}`,
  ];
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
