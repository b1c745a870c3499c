/**
 * The cursor that applies routed batches reuses one event object and one route object per
 * position: it must hand out, event by event, exactly what was added, including group values
 * asked for after it moved on (they are built fresh, never shared with a later event).
 */
import { describe, expect, it } from 'vitest';
import type { Route } from '../../../src/correlate/engine/engine.js';
import {
  RoutedBatchBuilder,
  RoutedCursor,
  refHash,
} from '../../../src/correlate/routing/routed-batch.js';

function route(slot: number, key: string, values: string[], value?: number | string): Route {
  return { slot, input: slot % 2, key, values, value, partition: slot % 3 };
}

const EVENTS: { ref: string; routes: Route[] }[] = [
  { ref: 'gw/a', routes: [route(0, 'k1', ['k1'], 5), route(3, 'k1\u001fm1', ['k1', 'm1'])] },
  { ref: 'gw/b', routes: [] },
  {
    ref: 'gw/c',
    routes: [route(1, 'u9', ['U9'], 'eu'), route(2, 'k2', ['k2']), route(4, 'x', ['a', 'b', 'c'])],
  },
  { ref: 'iam/d', routes: [route(5, 'k1', ['k1'])] },
];

describe('RoutedCursor', () => {
  for (const hashed of [false, true]) {
    it(`reads back every event and route as added${hashed ? ', with ref hashes' : ''}`, () => {
      const builder = new RoutedBatchBuilder(hashed);
      EVENTS.forEach((e, i) =>
        builder.add('', e.ref.split('/')[0] ?? '', 1000 + i, 2000 + i, e.ref, e.routes),
      );
      const batch = builder.build();
      const seen: { ref: string; hash: number | undefined; routes: Route[] }[] = [];
      const kept: (readonly string[])[] = [];
      for (const e = new RoutedCursor(batch); e.next();) {
        expect(e.time).toBe(1000 + e.index);
        expect(e.received).toBe(2000 + e.index);
        seen.push({
          ref: e.ref,
          hash: e.refHash,
          routes: e.routes.map((r) => ({
            slot: r.slot,
            input: r.input,
            key: r.key,
            values: r.values,
            value: r.value,
            partition: r.partition,
          })),
        });
        // What a group keeps: the values array, read while the event is current.
        for (const r of e.routes) kept.push(r.values);
      }
      expect(seen.map((s) => s.ref)).toEqual(EVENTS.map((e) => e.ref));
      expect(seen.map((s) => s.routes)).toEqual(EVENTS.map((e) => e.routes));
      expect(seen.map((s) => s.hash)).toEqual(
        EVENTS.map((e) => (hashed ? refHash(e.ref) : undefined)),
      );
      // Kept values are unchanged after the cursor moved past their event.
      expect(kept).toEqual(EVENTS.flatMap((e) => e.routes.map((r) => r.values)));
    });
  }
});
