import { describe, expect, it } from 'vitest';
import { ThreadDemand } from '../../../src/correlate/thread-demand.js';

/** Feeds `n` chunks that waited `waitMs` and took `applyMs` each; the changes asked for. */
function feed(demand: ThreadDemand, n: number, waitMs: number, applyMs: number): string[] {
  const changes: string[] = [];
  for (let i = 0; i < n; i += 1) changes.push(demand.applied(waitMs, applyMs));
  return changes.filter((c) => c !== 'same');
}

describe('ThreadDemand', () => {
  it('judges nothing during the warm-up, then once per window', () => {
    const demand = new ThreadDemand(4, 8);
    expect(feed(demand, 4, 100, 1)).toEqual([]); // modules loading: waits say nothing
    expect(feed(demand, 7, 100, 1)).toEqual([]);
    expect(feed(demand, 1, 100, 1)).toEqual(['more']);
  });

  it('asks for a thread fewer while the applying thread hardly waits (it is the bound)', () => {
    const demand = new ThreadDemand(0, 8);
    expect(feed(demand, 8, 0.4, 10)).toEqual(['fewer']); // 4 % of its time
    expect(feed(demand, 8, 0.6, 10)).toEqual([]); // 6 %: neither bound nor starved
  });

  it('asks for a thread more while it waits a quarter of its time or more', () => {
    const demand = new ThreadDemand(0, 8);
    expect(feed(demand, 8, 2.4, 10)).toEqual([]); // 24 %
    expect(feed(demand, 8, 2.5, 10)).toEqual(['more']);
  });

  it('never asks for fewer again once a thread was added (no flapping)', () => {
    const demand = new ThreadDemand(0, 8);
    expect(feed(demand, 8, 5, 10)).toEqual(['more']);
    demand.grew();
    expect(feed(demand, 32, 0, 10)).toEqual([]);
    expect(feed(demand, 8, 5, 10)).toEqual(['more']);
  });

  it('still asks for fewer after a starved window that added nothing (every thread in use)', () => {
    const demand = new ThreadDemand(0, 8);
    expect(feed(demand, 8, 5, 10)).toEqual(['more']); // e.g. threads still warming up
    expect(feed(demand, 8, 0, 10)).toEqual(['fewer']);
  });

  it('sums a window: one long wait among quick chunks counts for the window', () => {
    const demand = new ThreadDemand(0, 8);
    const changes = [demand.applied(30, 10)];
    for (let i = 0; i < 7; i += 1) changes.push(demand.applied(0, 10));
    expect(changes.filter((c) => c !== 'same')).toEqual(['more']); // 30 of 80 ms
  });
});
