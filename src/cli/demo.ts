import { createServer } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../config/load-config.js';
import { parseDemoArgs } from '../demo/demo-args.js';
import { DemoNamespace } from '../demo/demo-namespace.js';
import {
  demoPrincipals,
  removeDemoCredentials,
  writeDemoCredentials,
} from '../demo/demo-principals.js';
import { isIP } from 'node:net';
import { loadContentOrThrow } from '../content.js';
import { FakeConnectors } from '../demo/fake-connectors.js';
import { runDemo } from '../demo/run-demo.js';
import { startCordon } from '../main.js';
import { createLogger, logDestination } from '../shared/logger.js';
import { resolveRedis } from './embedded-redis.js';
import { DEMO_USAGE } from './usage.js';

/** Approvals are granted this long after they appear: long enough to read the request. */
const AUTO_APPROVE_AFTER_MS = 3_000;

/**
 * `cordon demo`: Cordon on embedded defaults (Redis found as `cordon start` finds it, the
 * shipped content) plus the simulated platform of src/demo, in one process, for --duration.
 * Cordon's own log goes to stderr at warn, so stdout is the narration.
 */
export async function runDemoCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseDemoArgs(argv);
  if (!parsed.ok) {
    console.error(`cordon demo: ${parsed.problems.join('\n  ')}\n\n${DEMO_USAGE}`);
    return 2;
  }
  const args = parsed.args;
  const base = loadConfig();
  const port =
    args.port ??
    (process.env.CORDON_PORT ? base.port : (await portFree(base.host, 8080)) ? 8080 : 0);
  // The console: CORDON_CONSOLE_PORT when set (0: none), else 8081 when free, else any free port.
  const consolePort = !args.console
    ? 0
    : process.env.CORDON_CONSOLE_PORT
      ? base.consolePort
      : (await portFree(base.host, 8081))
        ? 8081
        : await anyFreePort(base.host);
  const prefix = `${base.redisPrefix}-demo`;
  const config = loadConfig({
    ...process.env,
    CORDON_REDIS_PREFIX: prefix,
    CORDON_PORT: String(port),
    CORDON_CONSOLE_PORT: String(consolePort),
    CORDON_LOG_LEVEL: process.env.CORDON_LOG_LEVEL ?? 'warn',
    CORDON_ROLES: 'api,correlator,runner,worker',
    // Compressed time replays the timeline from the past towards now, so matches carry
    // events older than the live-containment bound: contain them anyway.
    CORDON_CONTAIN_MAX_EVENT_AGE_MS: '0',
  });
  const logger = createLogger(
    config.logLevel,
    logDestination(config.logFormat, process.stderr, process.stderr) ?? pino.destination(2),
  );
  const redis = await resolveRedis(config.redisUrl, config.homeDir);
  const namespace = new DemoNamespace(redis.url, prefix);
  try {
    await namespace.claim();
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const { tokens, directory } = demoPrincipals();
  const credentialsFile = join(config.homeDir, 'demo', 'credentials.env');
  await writeDemoCredentials(credentialsFile, tokens);

  const cleanup = async (): Promise<void> => {
    await removeDemoCredentials(credentialsFile);
    await namespace.release();
    await redis.stop();
  };
  let cordon;
  let fakes: FakeConnectors | undefined;
  try {
    if (args.connectors === 'fakes') {
      // Kong knows the attackers' API keys as consumers (addresses stay on Cordon's limiter).
      const keys = args.scenarios.flatMap((s) => s.containmentKeys).filter((k) => isIP(k) === 0);
      fakes = await FakeConnectors.start([...new Set(keys)]);
    }
    const content = fakes
      ? await loadContentOrThrow(config.contentDir, { enable: fakes.enable })
      : undefined;
    cordon = await startCordon({
      config,
      redisUrl: redis.url,
      logger,
      principals: directory,
      listen: true,
      ...(fakes && content
        ? {
            content: { ...content, connectors: fakes.pointAtFakes(content.connectors) },
            env: { ...process.env, ...fakes.env },
          }
        : {}),
    });
  } catch (err) {
    await fakes?.stop();
    await cleanup();
    throw err;
  }

  const abort = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
    if (signals > 1) {
      console.error('cordon demo: second signal, exiting without cleaning up.');
      process.exit(130);
    }
    console.log('\nStopping the demo (Ctrl-C again to exit at once)…');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(
    [
      '',
      `Cordon demo: Cordon runs at ${cordon.url ?? ''} with the shipped content (${cordon.content.rules.correlations.length} correlations, ${cordon.content.playbooks.length} playbooks)`,
      `  Redis:       ${redis.origin}${redis.origin === 'REDIS_URL' ? '' : ` ${redis.url}`}, keys under ${prefix}: (emptied at start and end)`,
      `  Tokens:      made for this run: source ${credentialsFile} to call the API while it runs`,
      `  Scenarios:   ${args.scenarios.map((s) => s.name).join(', ')}; speed ${args.speed}×; ${Math.round(args.durationMs / 1000)} s`,
      `  Approvals:   ${args.autoApprove ? `granted by a scripted on-call engineer / key owner ${AUTO_APPROVE_AFTER_MS / 1000} s after they appear` : 'yours to decide (--no-auto-approve)'}`,
      consoleLine(cordon.consoleUrl, cordon.consoleBuilt, tokens.oncall, args.console),
      ...(fakes
        ? [
            '  Connectors:  fakes on 127.0.0.1: Kong (traffic route: throttles and blocks API keys), Jira (tickets route), Slack; the platform is gated by the fake Kong',
          ]
        : []),
      '',
    ].join('\n'),
  );

  let code = 0;
  try {
    await runDemo({
      baseUrl: cordon.url ?? '',
      tokens,
      scenarios: args.scenarios,
      speed: args.speed,
      durationMs: args.durationMs,
      autoApproveAfterMs: args.autoApprove ? AUTO_APPROVE_AFTER_MS : undefined,
      credentialsHint: `source ${credentialsFile}`,
      write: (line) => console.log(line),
      signal: abort.signal,
      ...(fakes ? { gateway: (api) => fakes.gateway(api, Date.now) } : {}),
    });
    if (fakes) console.log(['', 'Connectors (fakes)', ...fakes.summary()].join('\n'));
  } catch (err) {
    logger.error({ err }, 'the demo failed');
    console.error(`cordon demo: ${(err as Error).message}`);
    code = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cordon.stop();
    await fakes?.stop();
    await cleanup();
  }
  return code;
}

/**
 * Where to watch: a sign-in link for the on-call approver (the token rides in the fragment,
 * which browsers never send to the server). The token lives only as long as this run.
 */
function consoleLine(
  url: string | undefined,
  built: boolean,
  token: string,
  wanted: boolean,
): string {
  if (!wanted) return '  Console:     off (--no-console); this terminal tells the story.';
  if (!url) return '  Console:     off (CORDON_CONSOLE_PORT=0); this terminal tells the story.';
  if (!built)
    return `  Console:     ${url} answers "not built": run \`npm run build\` first; this terminal tells the story.`;
  return `  Console:     open ${url}/#token=${token}\n               (signed in as demo-oncall, an approver and responder; the link works while the demo runs)`;
}

function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
