import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { demoPrincipals } from '../../../src/demo/demo-principals.js';
import { runDemo, type DemoReport } from '../../../src/demo/run-demo.js';
import { SCENARIOS } from '../../../src/demo/scenarios/registry.js';
import { startCordon, type Cordon } from '../../../src/main.js';
import { createLogger } from '../../../src/shared/logger.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '../../helpers/redis.js';

// The whole demo, in process, against the test Redis on a prefix of its own: Cordon listening
// on a free port with the shipped content, the simulated platform and gateway talking to it
// over HTTP, every scenario at high speed. Ends a few seconds after everything is contained.
describe('cordon demo (every scenario, compressed time)', () => {
  let store: TestRedis;
  let cordon: Cordon;
  let report: DemoReport;
  const lines: string[] = [];
  const { tokens, directory } = demoPrincipals();

  beforeAll(async () => {
    store = createTestRedis('demo');
    const config = loadConfig(
      {
        CORDON_REDIS_PREFIX: store.prefix,
        CORDON_CONTENT_DIR: REPO_ROOT,
        CORDON_INSTANCE_ID: `test-${store.prefix}`,
        CORDON_PORT: '0',
        CORDON_CONSOLE_PORT: '0',
        CORDON_LOG_LEVEL: 'silent',
        CORDON_CONTAIN_MAX_EVENT_AGE_MS: '0',
        CORDON_REDIS_COMMAND_TIMEOUT_MS: '10000',
      },
      REPO_ROOT,
    );
    cordon = await startCordon({
      config,
      redisUrl: TEST_REDIS_URL,
      logger: createLogger('silent'),
      principals: directory,
      listen: true,
    });
    report = await runDemo({
      baseUrl: cordon.url as string,
      tokens,
      scenarios: SCENARIOS,
      speed: 40,
      durationMs: 24_000,
      endAfterContainmentMs: 2_500,
      autoApproveAfterMs: 300,
      credentialsHint: 'test',
      write: (line) => lines.push(line),
    });
  }, 45_000);

  afterAll(async () => {
    await cordon?.stop();
    await store?.cleanup();
  });

  it('opens every scenario incident the shipped rules are meant to open', () => {
    for (const s of report.scenarios)
      for (const e of s.expected)
        expect(
          s.incidents.some(
            (i) => i.rule === e.rule && Object.entries(e.group).every(([k, v]) => i.group[k] === v),
          ),
          `${s.name}: ${e.rule} ${JSON.stringify(e.group)}\n${lines.join('\n')}`,
        ).toBe(true);
  });

  it('contains every attacker, and its served share drops after containment', () => {
    for (const s of report.scenarios) {
      expect(s.containedAt, `${s.name} contained\n${lines.join('\n')}`).toBeDefined();
      const { before, after } = s.attacker;
      expect(before.accepted, s.name).toBeGreaterThan(0);
      expect(after.refused, s.name).toBeGreaterThan(0);
      const share = (t: { accepted: number; refused: number }): number =>
        t.accepted / (t.accepted + t.refused);
      expect(share(before), s.name).toBeGreaterThan(0.9);
      expect(share(after), s.name).toBeLessThan(share(before) / 2);
    }
  });

  it('never refuses the benign population', () => {
    const benign = report.traffic.get('benign');
    expect(benign?.accepted).toBeGreaterThan(100);
    expect(benign?.refused).toBe(0);
  });

  it('lets the approvals through: the case is opened and the stolen key ends blocked', async () => {
    const get = async (path: string): Promise<Record<string, unknown>> => {
      const res = await fetch(`${cordon.url}${path}`, {
        headers: { authorization: `Bearer ${tokens.analyst}` },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const { runs } = (await get('/v1/runs?limit=100')) as {
      runs: { playbookId: string; status: string }[];
    };
    for (const playbook of [
      'contain-abusive-key',
      'suspected-stolen-key',
      'block-credential-stuffing',
    ])
      expect(
        runs.filter((r) => r.playbookId === playbook && r.status === 'resolved').length,
        playbook,
      ).toBeGreaterThan(0);
    const stolen = (await get('/v1/limiter/keys/key-acme-prod')) as {
      rule: { mode: string } | null;
    };
    expect(stolen.rule?.mode).toBe('block');
    const benignKey = (await get('/v1/limiter/keys/key-billing-prod')) as { rule: unknown };
    expect(benignKey.rule).toBeNull();
  });

  it('narrates what happened and ends with a summary per scenario', () => {
    const text = lines.join('\n');
    expect(text).toMatch(
      /incident opened: model_extraction_by_query_volume \[high\] for api_key=key-trial-7f3a/,
    );
    expect(text).toMatch(/approval granted: suspected-stolen-key \/ ask_owner by the key owner/);
    expect(text).toMatch(/limiter: key-acme-prod blocked/);
    const summary = text.slice(text.indexOf('\nSummary'));
    for (const s of SCENARIOS) expect(summary).toContain(`  ${s.name}\n`);
    expect(summary).toMatch(/contained \+[\d.]+ s: [\d.]+ s after the first attack request/);
  });
});
