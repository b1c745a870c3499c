import type { CordonApi } from './api-client.js';

/** A limit in force on a key, as the demo narrates it. */
export interface GatewayLimit {
  readonly text: string;
  /** Wall time (epoch ms) it took effect. */
  readonly setAt: number;
}

/**
 * Where the simulated platform's requests are let through or refused, and where the demo reads
 * the limits on the attackers' keys: Cordon's built-in limiter by default, the fake Kong in
 * front of it with `--connectors fakes`.
 */
export interface DemoGateway {
  /** 200 lets the request through; 401, 403 or 429 refuse it. `simTime`: the request's time. */
  check(key: string, simTime: number): Promise<number>;
  limit(key: string): Promise<GatewayLimit | null>;
}

interface LimitRule {
  readonly mode: 'block' | 'rate';
  readonly count: number;
  readonly windowMs: number;
  readonly setAt: number;
}

/** Cordon's own limiter, asked the way nginx auth_request asks it. */
export function builtinGateway(api: CordonApi): DemoGateway {
  return {
    check: (key) => api.limiterCheck(key),
    async limit(key) {
      const { rule } = await api.get<{ rule: LimitRule | null }>(
        `/v1/limiter/keys/${encodeURIComponent(key)}`,
      );
      if (!rule) return null;
      const per =
        rule.windowMs === 60_000 ? 'm' : rule.windowMs === 1_000 ? 's' : `${rule.windowMs} ms`;
      return {
        text: rule.mode === 'block' ? 'blocked' : `throttled to ${rule.count}/${per}`,
        setAt: rule.setAt,
      };
    },
  };
}
