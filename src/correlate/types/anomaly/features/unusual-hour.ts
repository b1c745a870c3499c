import type { FeatureKind } from './feature-kind.js';

const DAY_MS = 86_400_000;
/** Each day of history weighs this much less than the next: a habit changes over weeks. */
const DAILY_DECAY = 0.9;
/** An hour with at least this share of the group's (weighted) windows is one it is active in. */
const USUAL_SHARE = 0.02;

/** [UTC day of the last window learned, weighted windows per UTC hour (24)]. */
type Habit = [number, number[]];

/**
 * Hours (0–12, around the clock) from the window's UTC hour to the nearest hour the group is
 * usually active in: a key that works 08:00–18:00 scores 5 at 03:00 and 0 at noon, and 23:00
 * is one hour from 00:00, not 23 (hour_of_day is linear). The habit is a histogram of the
 * group's windows by hour, decayed by day, so a new shift is learned within a few weeks; an
 * hour counts as usual once it holds 2 % of the weight. Nothing learned yet: 0.
 */
export const unusualHour: FeatureKind<number, Habit> = {
  name: 'unusual_hour',
  summary: 'hours (0–12, around the clock) from the nearest hour the group is usually active in',
  reads: [],
  unit: 0.5,
  start: () => 0,
  add: (n) => n + 1,
  value(_n, windowStart, memory) {
    if (memory === undefined) return 0;
    const bins = memory[1];
    const total = bins.reduce((a, b) => a + b, 0);
    if (total <= 0) return 0;
    const hour = new Date(windowStart).getUTCHours();
    let nearest = 12;
    for (let h = 0; h < 24; h += 1) {
      if ((bins[h] as number) < USUAL_SHARE * total) continue;
      const d = Math.abs(h - hour);
      nearest = Math.min(nearest, d, 24 - d);
    }
    return nearest;
  },
  learn(_n, memory, windowStart) {
    const day = Math.floor(windowStart / DAY_MS);
    const bins = memory ? [...memory[1]] : new Array<number>(24).fill(0);
    const elapsed = memory ? day - memory[0] : 0;
    // Windows close in order per group; a day behind (never expected) decays nothing.
    if (elapsed > 0) {
      const f = DAILY_DECAY ** elapsed;
      for (let h = 0; h < 24; h += 1) bins[h] = (bins[h] as number) * f;
    }
    const hour = new Date(windowStart).getUTCHours();
    bins[hour] = (bins[hour] as number) + 1;
    return [Math.max(day, memory?.[0] ?? day), bins];
  },
};
