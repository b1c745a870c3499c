import { describe } from '../shared/duration.js';

/** `<count>/<unit>` rates (`10/m`, `5/30s`) and `block`, as playbooks and connectors write them. */
export interface Rate {
  readonly mode: 'throttle' | 'block';
  readonly count: number;
  readonly windowMs: number;
}

const RATE_UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseRate(
  value: unknown,
): { ok: true; rate: Rate } | { ok: false; reason: string } {
  if (value === 'block') return { ok: true, rate: { mode: 'block', count: 0, windowMs: 0 } };
  const match =
    typeof value === 'string' ? /^\s*(\d+)\s*\/\s*(\d*)\s*(s|m|h|d)\s*$/.exec(value) : null;
  if (!match) {
    return {
      ok: false,
      reason: `got ${describe(value)}; write "<count>/<unit>" with unit s, m, h or d (for example "10/m"), or "block"`,
    };
  }
  const count = Number(match[1]);
  const windowMs = Number(match[2] || '1') * (RATE_UNITS[match[3] as string] ?? 0);
  if (count < 1 || windowMs <= 0)
    return { ok: false, reason: `got "${String(value)}"; the count and period must be at least 1` };
  return { ok: true, rate: { mode: 'throttle', count, windowMs } };
}
