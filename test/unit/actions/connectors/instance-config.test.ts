/**
 * Action connector instances in connectors/*.yaml: what `cordon validate` accepts and refuses
 * (inline secrets, hosts outside allow_hosts, keys that do not apply), and the start-up check
 * that names a missing secret's variable without its value.
 */
import { describe, expect, it } from 'vitest';
import { buildExecutorTable } from '../../../../src/actions/connectors/executor-table.js';
import { hostAllowed } from '../../../../src/actions/connectors/instance-config.js';
import { CONNECTOR_TYPES } from '../../../../src/actions/connectors/registry.js';
import { OPERATIONS } from '../../../../src/actions/operations.js';
import { buildConnectorSet, SOURCE_TYPES } from '../../../../src/config/connectors.js';
import { ManualClock } from '../../../../src/shared/clock.js';
import type { EffectLedger } from '../../../../src/store/effect-ledger.js';
import { instancesFromYaml } from '../../../helpers/action-connectors.js';

function errors(text: string): string[] {
  return buildConnectorSet([{ file: 'c.yaml', text }])
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code}: ${d.message}`);
}

describe('action connector instances', () => {
  it('accepts every auth scheme, retry, rate limit and allow_hosts', () => {
    const [jira, hmac] = instancesFromYaml(
      'name: j\ntype: jira\nurl: https://acme.atlassian.net\nauth: { basic: { username: bot@acme.io, password: { env: JIRA_TOKEN } } }\ntimeout: 5s\nretry: { attempts: 5, delay: 100ms, max_delay: 2s, max_retry_after: 10s }\nrate_limit: 5/s\nallow_hosts: ["*.atlassian.net"]\noptions: { project: SEC }',
      'name: h\ntype: http\nurl: https://hooks.acme.io\nauth: { hmac: { secret: { file: /run/secrets/hmac } } }\nenabled: false',
    );
    expect(jira).toMatchObject({
      timeoutMs: 5_000,
      retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 10_000 },
      rateLimit: { count: 5, windowMs: 1_000 },
      allowHosts: ['*.atlassian.net'],
      options: { project: 'SEC', issueType: 'Task' },
    });
    expect(hmac).toMatchObject({
      enabled: false,
      auth: { scheme: 'hmac', header: 'X-Cordon-Signature' },
    });
  });

  it('refuses inline secrets with the fix', () => {
    const errs = errors(
      'name: k\ntype: kong\nurl: http://kong:8001\nauth: { bearer: "s3cret-inline" }',
    );
    expect(errs).toEqual([
      expect.stringContaining(
        'CORDON_ERR_CONNECTOR_SECRET: Secrets are never written inline; reference an environment variable ({ env: NAME })',
      ),
    ]);
    expect(errors('name: k\ntype: kong\nurl: https://user:pw@kong:8001')[0]).toContain(
      'must not carry credentials',
    );
  });

  it('refuses a url outside allow_hosts, and a secret url without allow_hosts', () => {
    expect(errors('name: k\ntype: kong\nurl: http://kong:8001\nallow_hosts: [other]')[0]).toContain(
      'url host kong:8001 is not in allow_hosts (other)',
    );
    expect(errors('name: s\ntype: slack\nurl: { env: SLACK_URL }')[0]).toContain(
      'list it in allow_hosts',
    );
  });

  it('refuses HTTP keys on built-in types, missing urls and unknown auth schemes', () => {
    expect(errors('name: g\ntype: builtin-limiter\nurl: http://x')[0]).toContain(
      '"url" does not apply to builtin-limiter',
    );
    expect(errors('name: m\ntype: mlflow')[0]).toContain('mlflow connectors need a url');
    expect(
      errors('name: m\ntype: mlflow\nurl: http://m\nauth: { digest: { env: X } }')[0],
    ).toContain('use bearer, basic, header, hmac or sigv4');
    expect(errors('name: p\ntype: pagerduty\noptions: {}')[0]).toContain('routing_key');
  });

  it('matches allow_hosts exactly, by port, or by *.suffix', () => {
    expect(hostAllowed(new URL('https://a.atlassian.net/x'), ['*.atlassian.net'])).toBe(true);
    expect(hostAllowed(new URL('https://atlassian.net.evil.io/'), ['*.atlassian.net'])).toBe(false);
    expect(hostAllowed(new URL('http://kong:8001/'), ['kong:8001'])).toBe(true);
    expect(hostAllowed(new URL('http://kong:9999/'), ['kong:8001', 'kong'])).toBe(false);
  });

  it('names a missing secret at start by its variable, never its value', () => {
    const instances = instancesFromYaml(
      'name: tickets\ntype: jira\nurl: https://acme.atlassian.net\nauth: { bearer: { env: JIRA_TOKEN } }\noptions: { project: SEC }',
      'name: off\ntype: kong\nurl: http://kong:8001\nauth: { bearer: { env: KONG_TOKEN } }\nenabled: false',
    );
    const build = (env: Record<string, string>) => () =>
      buildExecutorTable(instances, {
        clock: new ManualClock(),
        ledger: {} as EffectLedger,
        secrets: { env, readFile: () => 'x' },
      });
    expect(build({})).toThrow(
      /Connector "tickets" needs a secret from environment variable JIRA_TOKEN, which is not set/,
    );
    expect(build({ JIRA_TOKEN: 'present-token' })).not.toThrow(); // the disabled kong needs nothing
  });
});

describe('operations from the connector-type registry', () => {
  it('has no action type named like a source type (both live in connectors/*.yaml)', () => {
    expect(CONNECTOR_TYPES.map((t) => t.type).filter((t) => SOURCE_TYPES.includes(t))).toEqual([]);
  });

  it('lists every operation with the types that implement it, shared contracts included', () => {
    expect(OPERATIONS['ticket.open']?.connectorTypes).toEqual([
      'builtin-cases',
      'jira',
      'servicenow',
      'github',
    ]);
    expect(OPERATIONS['ratelimit.set']?.connectorTypes).toEqual([
      'builtin-limiter',
      'kong',
      'litellm-proxy',
      'aws-apigateway',
    ]);
    for (const type of CONNECTOR_TYPES)
      for (const [name, op] of Object.entries(type.operations)) {
        expect(OPERATIONS[name]?.connectorTypes).toContain(type.type);
        if (op.contract.reversibleBy)
          expect(
            type.operations[op.contract.reversibleBy],
            `${type.type} ${name} undo`,
          ).toBeDefined();
        if (op.undo) expect(op.contract.reversibleBy, `${type.type} ${name}`).toBeDefined();
      }
  });
});
