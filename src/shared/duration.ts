/**
 * Durations in YAML are `<integer><unit>` strings (`500ms`, `30s`, `10m`, `1h`, `7d`, `2w`),
 * the form Sigma uses for `timespan`. They are parsed here, once, into milliseconds.
 */
const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    return {
      ok: false,
      reason: `got the number ${value} without a unit; write a number followed by ms, s, m, h, d or w (for example "${value}s")`,
    };
  }
  if (typeof value !== 'string') {
    return {
      ok: false,
      reason: `expected a duration string such as "10m"; got ${describe(value)}`,
    };
  }
  const match = /^\s*(\d+)\s*(ms|s|m|h|d|w)\s*$/.exec(value);
  if (!match) {
    return {
      ok: false,
      reason: `got "${value}"; write a whole number followed by ms, s, m, h, d or w (for example "10m")`,
    };
  }
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  const ms = amount * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) {
    return {
      ok: false,
      reason: `got "${value}", which is too large to represent; use a smaller amount`,
    };
  }
  if (ms <= 0) {
    return { ok: false, reason: `got "${value}"; a duration must be greater than zero` };
  }
  return { ok: true, ms };
}

/** Formats milliseconds the way a user would write them (`90000` → `90s`, `3600000` → `1h`). */
export function formatDurationMs(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  // The list itself, shortened: "got a list" after "must be a list of …" says nothing.
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    const shown = JSON.stringify(value) ?? '[…]';
    return `the list ${shown.length > 60 ? `${shown.slice(0, 57)}…]` : shown}`;
  }
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
