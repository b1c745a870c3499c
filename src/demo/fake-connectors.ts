import { randomBytes } from 'node:crypto';
import type { ConnectorDefinition } from '../config/connectors.js';
import type { CordonApi } from './api-client.js';
import { kongFake } from './fakes/kong.js';
import { jiraFake } from './fakes/jira.js';
import { slackFake } from './fakes/slack.js';
import { builtinGateway, type DemoGateway, type GatewayLimit } from './gateway.js';

/** Kong's rate-limiting windows (config keys) and their length. */
const WINDOW_MS: Readonly<Record<string, number>> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};
const JIRA_USER = 'cordon-bot@example.com';

/**
 * `cordon demo --connectors fakes`: the Kong Admin API, Jira Cloud and Slack webhook fakes (the
 * ones the connector tests use, src/demo/fakes) on loopback, the shipped kong, jira and slack
 * connectors enabled and pointed at them with per-run secrets, and Kong's data plane simulated
 * from the fake's state: a consumer whose key-auth credentials are gone gets 401, one over its
 * rate-limiting plugin's window gets 429. Keys Kong does not know (addresses, sessions) are
 * still asked of Cordon's own limiter, as the shipped playbooks act on those there.
 */
export class FakeConnectors {
  readonly enable = ['kong', 'jira', 'slack'] as const;
  /** The secrets the enabled connectors read, made for this run (never printed). */
  readonly env: Readonly<Record<string, string>>;
  readonly #kong;
  readonly #jira;
  readonly #slack;
  readonly #slackPath: string;
  readonly #counts = new Map<string, number>();
  readonly #seen = new Map<string, number>();

  private constructor(consumers: readonly string[]) {
    const adminToken = randomBytes(16).toString('hex');
    const jiraToken = randomBytes(16).toString('hex');
    this.#slackPath = `/services/TDEMO/BDEMO/${randomBytes(12).toString('hex')}`;
    this.#kong = kongFake(consumers, adminToken);
    for (const c of consumers)
      this.#kong.credentials.push({ id: `cred-${c}`, key: `secret-${c}`, consumer: c });
    this.#jira = jiraFake(JIRA_USER, jiraToken);
    this.#slack = slackFake(this.#slackPath);
    this.env = { KONG_ADMIN_TOKEN: adminToken, JIRA_API_TOKEN: jiraToken };
  }

  /** Starts the fakes; `consumers`: the API keys Kong knows (one key-auth credential each). */
  static async start(consumers: readonly string[]): Promise<FakeConnectors> {
    const fakes = new FakeConnectors(consumers);
    await Promise.all([
      fakes.#kong.server.start(),
      fakes.#jira.server.start(),
      fakes.#slack.server.start(),
    ]);
    (fakes.env as Record<string, string>).SLACK_WEBHOOK_URL =
      `${fakes.#slack.server.url}${fakes.#slackPath}`;
    return fakes;
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.#kong.server.stop(),
      this.#jira.server.stop(),
      this.#slack.server.stop(),
    ]);
  }

  /** The connectors with kong, jira and slack aimed at the fakes (loaded with them enabled). */
  pointAtFakes(connectors: readonly ConnectorDefinition[]): ConnectorDefinition[] {
    const urls: Readonly<Record<string, string>> = {
      kong: this.#kong.server.url,
      jira: this.#jira.server.url,
      slack: this.#slack.server.url,
    };
    return connectors.map((c) => {
      const url = urls[c.name];
      if (!url || !c.action) return c;
      const host = new URL(url).host;
      return {
        ...c,
        action: {
          ...c.action,
          enabled: true,
          // Slack's URL is its secret (SLACK_WEBHOOK_URL above); the others are plain.
          ...(c.name === 'slack' ? {} : { url }),
          allowHosts: [host],
        },
      };
    });
  }

  /** Kong's data plane in front of the platform, then Cordon's limiter for keys it does not know. */
  gateway(api: CordonApi, now: () => number): DemoGateway {
    const builtin = builtinGateway(api);
    const kong = this.#kong;
    const known = (key: string): boolean => kong.credentials.some((c) => c.consumer === key);
    const everKnown = new Set(kong.credentials.map((c) => c.consumer));
    return {
      check: async (key, simTime) => {
        if (!everKnown.has(key)) return builtin.check(key, simTime);
        if (!known(key)) return 401;
        const plugin = this.#plugin(key);
        if (plugin) {
          for (const [window, ms] of Object.entries(WINDOW_MS)) {
            const limit = plugin.config[window];
            if (typeof limit !== 'number') continue;
            const bucket = `${key}|${window}|${Math.floor(simTime / ms)}`;
            const n = (this.#counts.get(bucket) ?? 0) + 1;
            this.#counts.set(bucket, n);
            if (n > limit) return 429;
          }
        }
        return 200;
      },
      limit: async (key): Promise<GatewayLimit | null> => {
        if (!everKnown.has(key)) return builtin.limit(key);
        const setAt = (): number => {
          if (!this.#seen.has(key)) this.#seen.set(key, now());
          return this.#seen.get(key) as number;
        };
        if (!known(key))
          return { text: 'key-auth credentials removed at Kong (blocked)', setAt: setAt() };
        const plugin = this.#plugin(key);
        const window = plugin
          ? Object.keys(WINDOW_MS).find((w) => typeof plugin.config[w] === 'number')
          : undefined;
        if (!plugin || !window) {
          this.#seen.delete(key);
          return null;
        }
        return {
          text: `throttled at Kong to ${String(plugin.config[window])}/${window}`,
          setAt: setAt(),
        };
      },
    };
  }

  #plugin(consumer: string): { config: Record<string, unknown> } | undefined {
    return this.#kong.plugins.find(
      (p) => p.consumer === consumer && p.name === 'rate-limiting' && p.enabled,
    );
  }

  /** What the connectors did at the fakes, for the summary. */
  summary(): string[] {
    const kong = this.#kong;
    const limited = kong.plugins.filter((p) => p.name === 'rate-limiting' && p.consumer !== '');
    const blocked = [...new Set(limited.map((p) => p.consumer))].filter(
      (c) => !kong.credentials.some((k) => k.consumer === c),
    );
    return [
      `  fake Kong (${kong.server.url}): ${
        limited.length === 0
          ? 'no consumer throttled'
          : limited
              .map(
                (p) =>
                  `${p.consumer} throttled (rate-limiting ${Object.entries(p.config)
                    .filter(([w, v]) => w in WINDOW_MS && typeof v === 'number')
                    .map(([w, v]) => `${String(v)}/${w}`)
                    .join(', ')})`,
              )
              .join('; ')
      }${blocked.length ? `; key-auth credentials removed (blocked): ${blocked.join(', ')}` : ''}; ${kong.server.requests.length} Admin API request(s)`,
      `  fake Jira (${this.#jira.server.url}): ${this.#jira.issues.length === 0 ? 'no ticket opened' : this.#jira.issues.map((i) => `ticket ${i.key} opened "${i.summary}"`).join('; ')}`,
      `  fake Slack (${this.#slack.server.url}): ${this.#slack.posts.length} message(s) posted`,
    ];
  }
}
