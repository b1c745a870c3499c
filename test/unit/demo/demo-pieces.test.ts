import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../../../src/demo/demo-args.js';
import { SCENARIOS } from '../../../src/demo/scenarios/registry.js';
import { SimClock } from '../../../src/demo/sim-clock.js';
import { periodicTimes } from '../../../src/demo/traffic.js';

describe('demo arguments', () => {
  it('defaults to every scenario at 10× for two minutes with auto-approval', () => {
    const r = parseDemoArgs([]);
    expect(r.ok && r.args.scenarios.map((s) => s.name)).toEqual(SCENARIOS.map((s) => s.name));
    expect(r.ok && [r.args.speed, r.args.durationMs, r.args.autoApprove]).toEqual([
      10,
      120_000,
      true,
    ]);
  });

  it('takes a scenario list, speed, duration (seconds or a duration) and the switches', () => {
    const r = parseDemoArgs([
      '--scenario',
      'drift-with-login-burst,extraction',
      '--speed=60',
      '--duration',
      '90s',
      '--no-auto-approve',
      '--no-console',
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.args.scenarios.map((s) => s.name)).toEqual(['drift-with-login-burst', 'extraction']);
    expect([r.args.speed, r.args.durationMs, r.args.autoApprove]).toEqual([60, 90_000, false]);
    const secs = parseDemoArgs(['--duration', '30']);
    expect(secs.ok && secs.args.durationMs).toBe(30_000);
  });

  it('reports every bad argument at once, naming the value and what is allowed', () => {
    const r = parseDemoArgs([
      '--scenario',
      'heist',
      '--speed',
      '0',
      '--duration',
      '2d',
      '--colour',
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(4);
    expect(r.problems[0]).toContain('"heist" is not a scenario');
    expect(r.problems[0]).toContain('stolen-key-new-region');
    expect(r.problems[1]).toContain('from 1 to 600');
    expect(r.problems[2]).toContain('"2d"');
    expect(r.problems[3]).toContain('"--colour"');
  });
});

describe('compressed time', () => {
  it('runs the timeline from the past so it reaches the wall clock when the duration is up', () => {
    const clock = new SimClock(1_000_000, 10, 60_000);
    expect(clock.at(1_000_000)).toBe(1_000_000 + 60_000 - 600_000);
    expect(clock.at(1_060_000)).toBe(1_060_000);
    // Never ahead of the wall clock (ingest would clamp it).
    for (let w = 0; w <= 60_000; w += 7_000)
      expect(clock.at(1_000_000 + w)).toBeLessThanOrEqual(1_000_000 + w);
    expect(clock.label(clock.at(1_012_500))).toBe('+02:05');
  });

  it('cuts a steady stream the same way whatever the tick boundaries', () => {
    const whole = periodicTimes(0, 10_000, 400, 100);
    const pieces = [0, 1_234, 1_235, 5_000, 9_999, 10_000]
      .slice(1)
      .flatMap((to, i, arr) => periodicTimes(i === 0 ? 0 : (arr[i - 1] as number), to, 400, 100));
    expect(pieces).toEqual(whole);
    expect(whole[0]).toBe(100);
    expect(whole).toHaveLength(25);
  });
});
