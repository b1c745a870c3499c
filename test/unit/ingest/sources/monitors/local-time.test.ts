import { describe, expect, it } from 'vitest';
import {
  checkWallClock,
  TIMEZONE_OPTIONS,
  wallClockToEpochMs,
} from '../../../../../src/ingest/sources/monitors-common/local-time.js';
import type { WallClock } from '../../../../../src/ingest/sources/monitors-common/local-time.js';

const clock = (month: number, day: number, hour: number, minute = 0): WallClock => ({
  year: 2024,
  month,
  day,
  hour,
  minute,
  second: 0,
  ms: 0,
});

describe('zone-less log times', () => {
  it('reads a wall clock in UTC and in IANA zones, summer and winter', () => {
    expect(wallClockToEpochMs(clock(6, 10, 16), 'UTC')).toBe(Date.UTC(2024, 5, 10, 16));
    expect(wallClockToEpochMs(clock(6, 10, 16), 'Europe/Berlin')).toBe(Date.UTC(2024, 5, 10, 14));
    expect(wallClockToEpochMs(clock(1, 10, 16), 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 10, 15));
    expect(wallClockToEpochMs(clock(6, 10, 16), 'Asia/Kolkata')).toBe(
      Date.UTC(2024, 5, 10, 10, 30),
    );
  });

  it('takes the earlier instant in the repeated autumn hour, and crosses the spring gap', () => {
    // 27 October 2024, 02:30 happens twice in Berlin (CEST then CET).
    expect(wallClockToEpochMs(clock(10, 27, 2, 30), 'Europe/Berlin')).toBe(
      Date.UTC(2024, 9, 27, 0, 30),
    );
    // 31 March 2024, 02:30 does not exist in Berlin; it is read with the offset before the jump.
    const gap = wallClockToEpochMs(clock(3, 31, 2, 30), 'Europe/Berlin');
    expect([Date.UTC(2024, 2, 31, 0, 30), Date.UTC(2024, 2, 31, 1, 30)]).toContain(gap);
  });

  it('names impossible dates', () => {
    expect(checkWallClock(clock(2, 30, 1))).toContain('day 30 does not exist in month 2');
    expect(checkWallClock(clock(13, 1, 1))).toContain('month 13 does not exist');
    expect(checkWallClock(clock(2, 29, 23))).toBeUndefined();
  });

  it('options: default UTC, known zones only, no other keys', () => {
    const problems: string[] = [];
    const report = (path: readonly (string | number)[], reason: string) =>
      problems.push(`${path.join('.')}: ${reason}`);
    expect(TIMEZONE_OPTIONS.compile(undefined, report)).toEqual({ timezone: 'UTC' });
    expect(TIMEZONE_OPTIONS.compile({ timezone: 'Europe/Berlin' }, report)).toEqual({
      timezone: 'Europe/Berlin',
    });
    expect(problems).toEqual([]);
    expect(TIMEZONE_OPTIONS.compile({ timezone: 'CEST+2' }, report)).toBeUndefined();
    expect(TIMEZONE_OPTIONS.compile({ zone: 'UTC' }, report)).toBeUndefined();
    expect(TIMEZONE_OPTIONS.compile('UTC', report)).toBeUndefined();
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('timezone: must be an IANA time zone name');
    expect(problems[1]).toContain('zone: is not an option of this kind');
  });
});
