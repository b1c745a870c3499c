/**
 * Route connectors (type route): checked once every connector file is read (located errors for
 * unknown operations and members, members lacking an operation, loops), and resolved per
 * operation to the first enabled member; a playbook naming a route is bound to that instance.
 */
import { describe, expect, it } from 'vitest';
import { connectorRoutes } from '../../../../src/actions/connectors/route/routes.js';
import { buildConnectorSet } from '../../../../src/config/connectors.js';
import { buildPlaybooks } from '../../../../src/playbook/definition/build-playbooks.js';
import {
  disabledActionConnectors,
  enabledActionConnectors,
} from '../../../../src/actions/connectors/disabled-connectors.js';
import { formatDiagnostic } from '../../../../src/shared/diagnostics.js';

const BUILTINS = `apiVersion: cordon/v1
name: gateway
type: builtin-limiter
---
name: cases
type: builtin-cases
---
name: kong
type: kong
enabled: false
url: http://kong-admin:8001
---
name: litellm-proxy
type: litellm-proxy
enabled: false
url: http://litellm:4000
auth: { bearer: { env: LITELLM_MASTER_KEY } }
`;

const route = (name: string, operations: string, members: string): string => `
name: ${name}
type: route
options:
  operations: [${operations}]
  try: [${members}]
`;

function build(routes: string, enable: readonly string[] = []) {
  const set = buildConnectorSet([
    { file: 'connectors/all.yaml', text: BUILTINS },
    { file: 'connectors/routes.yaml', text: routes },
  ]);
  const connectors = set.connectors.map((c) =>
    c.action && enable.includes(c.name) ? { ...c, action: { ...c.action, enabled: true } } : c,
  );
  return { connectors, errors: set.diagnostics.map(formatDiagnostic) };
}

describe('route connectors', () => {
  it('resolve each operation to the first enabled member that offers it', () => {
    const text = route('traffic', 'ratelimit.set, key.block', 'kong, litellm-proxy, gateway');
    const asShipped = connectorRoutes(build(text).connectors);
    expect(asShipped.resolve('traffic', 'ratelimit.set')).toEqual({
      ok: true,
      target: { name: 'gateway', type: 'builtin-limiter', via: ['traffic'] },
    });
    const withLitellm = connectorRoutes(build(text, ['litellm-proxy']).connectors);
    expect(withLitellm.resolve('traffic', 'key.block')).toMatchObject({
      ok: true,
      target: { name: 'litellm-proxy', type: 'litellm-proxy' },
    });
    const both = connectorRoutes(build(text, ['litellm-proxy', 'kong']).connectors);
    expect(both.resolve('traffic', 'key.block')).toMatchObject({ target: { name: 'kong' } });
    // An operation the route does not declare is refused, naming what it routes.
    expect(both.resolve('traffic', 'ratelimit.clear')).toEqual({
      ok: false,
      reason: expect.stringContaining(
        'does not route ratelimit.clear (it routes ratelimit.set, key.block)',
      ),
    });
  });

  it('follow nested routes and say why none is enabled', () => {
    const text = `${route('edge', 'key.block', 'kong')}---${route('traffic', 'key.block', 'edge, litellm-proxy')}`;
    const { connectors, errors } = build(text);
    expect(errors).toEqual([]);
    const routes = connectorRoutes(connectors);
    const none = routes.resolve('traffic', 'key.block');
    expect(none.ok).toBe(false);
    expect(!none.ok && none.reason).toMatch(
      /no instance route "traffic" lists is enabled for key\.block \(edge: no instance route "edge" lists is enabled .*kong: disabled.*; litellm-proxy: disabled\)/,
    );
    expect(
      connectorRoutes(build(text, ['kong']).connectors).resolve('traffic', 'key.block'),
    ).toEqual({
      ok: true,
      target: { name: 'kong', type: 'kong', via: ['traffic', 'edge'] },
    });
  });

  it('are refused, located, for unknown operations and members and members lacking an operation', () => {
    const { connectors, errors } = build(
      route('traffic', 'ratelimit.set, ratelimit.sett', 'kongg, cases, gateway'),
    );
    expect(connectors.some((c) => c.name === 'traffic')).toBe(false);
    expect(errors).toEqual([
      expect.stringMatching(
        /^connectors\/routes\.yaml:5:31 error CORDON_ERR_CONNECTOR_ROUTE Route "traffic" names operation "ratelimit\.sett", which no connector type offers\. Did you mean "ratelimit\.set"\?/,
      ),
      expect.stringMatching(
        /^connectors\/routes\.yaml:6:9 error CORDON_ERR_CONNECTOR_ROUTE Route "traffic" lists "kongg", which connectors\/ does not define as an action connector\. Did you mean "kong"\?/,
      ),
      expect.stringMatching(
        /^connectors\/routes\.yaml:6:16 error CORDON_ERR_CONNECTOR_ROUTE Route "traffic" lists "cases" \(type builtin-cases\), which does not offer ratelimit\.set;/,
      ),
    ]);
  });

  it('are refused when they loop, with the loop spelled out', () => {
    const { errors } = build(
      `${route('a', 'key.block', 'b, gateway')}---${route('b', 'key.block', 'a')}`,
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/CORDON_ERR_CONNECTOR_ROUTE Route "a" loops: a → b → a\./),
        expect.stringMatching(/CORDON_ERR_CONNECTOR_ROUTE Route "b" loops: b → a → b\./),
      ]),
    );
  });

  it('bind a playbook action to the picked instance, and refuse a route with none enabled', () => {
    const playbook = (connector: string): string => `apiVersion: cordon/v1
id: p
on: { correlation: [r] }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: ${connector}, key: k, limit: 10/m }
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;
    const ctx = (enable: readonly string[]) => {
      const { connectors } = build(
        `${route('traffic', 'ratelimit.set, ratelimit.clear', 'kong, gateway')}---${route('gatewayless', 'ratelimit.set', 'kong')}`,
        enable,
      );
      return {
        connectors: enabledActionConnectors(connectors),
        disabledConnectors: disabledActionConnectors(connectors),
        routes: connectorRoutes(connectors),
        rules: undefined,
      };
    };
    const bound = (enable: readonly string[]) =>
      buildPlaybooks([{ file: 'p.yaml', text: playbook('traffic') }], ctx(enable)).playbooks?.[0]
        ?.definition.states.throttle;
    expect(bound([])).toMatchObject({
      connector: 'gateway',
      connectorType: 'builtin-limiter',
      via: 'traffic',
    });
    expect(bound(['kong'])).toMatchObject({
      connector: 'kong',
      connectorType: 'kong',
      via: 'traffic',
    });
    const refused = buildPlaybooks([{ file: 'p.yaml', text: playbook('gatewayless') }], ctx([]));
    expect(refused.playbooks).toBeUndefined();
    expect(refused.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(
        /^p\.yaml:9:24 error CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR State "throttle" runs ratelimit\.set through route "gatewayless", but no instance route "gatewayless" lists is enabled for ratelimit\.set \(kong: disabled\); enable one in connectors\//,
      ),
    ]);
  });
});
