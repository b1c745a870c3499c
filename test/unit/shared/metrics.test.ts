import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/shared/metrics.js';

describe('Metrics', () => {
  it('renders declared families before any event: unlabelled counters and gauges at zero', async () => {
    const m = new Metrics();
    m.declare(
      { name: 'a_total', help: 'A.', type: 'counter' },
      { name: 'b', help: 'B.', type: 'gauge' },
      { name: 'c_total', help: 'C.', type: 'counter', labelNames: ['source'] },
      { name: 'd_seconds', help: 'D.', type: 'histogram', buckets: [0.1, 1] },
    );
    const text = await m.render();
    expect(text).toContain('# TYPE a_total counter\na_total 0');
    expect(text).toContain('# TYPE b gauge\nb 0');
    expect(text).toContain('# HELP c_total C.');
    expect(text).toContain('d_seconds_count 0');
  });

  it('keeps the facade: inc, set and get by label set; observe fills histogram buckets', async () => {
    const m = new Metrics();
    m.inc('e_total', 'E.', { source: 'x' });
    m.inc('e_total', 'E.', { source: 'x' }, 2);
    m.set('g', 'G.', { q: 'runs' }, 7);
    m.observe('h_seconds', 'H.', { route: '/r' }, 0.3, [0.1, 0.5, 1]);
    expect(m.get('e_total', { source: 'x' })).toBe(3);
    expect(m.get('e_total', { source: 'y' })).toBe(0);
    expect(m.get('g', { q: 'runs' })).toBe(7);
    const text = await m.render();
    expect(text).toContain('e_total{source="x"} 3');
    expect(text).toContain('h_seconds_bucket{le="0.1",route="/r"} 0');
    expect(text).toContain('h_seconds_bucket{le="0.5",route="/r"} 1');
    expect(text).toContain('h_seconds_sum{route="/r"} 0.3');
  });

  it('refuses a family used as another type or with other label names', () => {
    const m = new Metrics();
    m.inc('f_total', 'F.', { source: 'x' });
    expect(() => m.set('f_total', 'F.', {}, 1)).toThrow(/is a counter/);
    expect(() => m.inc('f_total', 'F.', { other: 'x' })).toThrow();
  });

  it('answers a scrape when a collector hangs: the last values stay and the failure is counted', async () => {
    const m = new Metrics({ collectTimeoutMs: 5 });
    let calls = 0;
    m.set('backlog', 'Backlog.', {}, 4);
    m.onScrape('redis', () => {
      calls += 1;
      return new Promise<void>(() => undefined);
    });
    const first = await m.render();
    expect(first).toContain('backlog 4');
    expect(first).toContain(
      'cordon_metrics_collect_failures_total{collector="redis",reason="timeout"} 1',
    );
    // The hung read is not started again while it is still pending.
    await m.render();
    expect(calls).toBe(1);
  });

  it('counts a collector that fails, and runs it again at the next scrape', async () => {
    const m = new Metrics();
    let calls = 0;
    m.onScrape('redis', async () => {
      calls += 1;
      if (calls === 1) throw new Error('connection lost');
      m.set('backlog', 'Backlog.', {}, 2);
    });
    expect(await m.render()).toContain(
      'cordon_metrics_collect_failures_total{collector="redis",reason="error"} 1',
    );
    expect(await m.render()).toContain('backlog 2');
  });

  it('adds process and Node runtime metrics on request', async () => {
    expect(await new Metrics().render()).not.toContain('nodejs_heap_size_used_bytes');
    expect(await new Metrics({ runtime: true }).render()).toContain('nodejs_heap_size_used_bytes');
  });
});
