/**
 * A replay applies the routed batches of its threads (Replay.pushBatch) as it would the same
 * events one at a time: the repeats a batch holds, or that repeat an earlier batch's events,
 * are found all at once and skipped, with or without the refs' hashes in the batch.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { engineOptions } from '../../../src/correlate/engine-options.js';
import { Replay } from '../../../src/correlate/replay.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';
import { RoutedBatchBuilder } from '../../../src/correlate/routing/routed-batch.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

const RULES = `title: Login failure
name: login_failure
logsource: { category: login }
detection: { sel: { outcome: failure }, condition: sel }
`;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const WINDOW_MS = 60_000;

/** Events as (ref, receipt time): repeats within the window, one after it, and across batches. */
const EVENTS: [string, number][] = [
  ['gw/a', T0],
  ['gw/b', T0 + 1],
  ['gw/a', T0 + 2], // repeat in the same batch
  ['iam/a', T0 + 3], // same id, other source: not a repeat
  ['gw/c', T0 + 4],
  ['gw/b', T0 + 5], // repeat of the first batch's event
  ['gw/a', T0 + 2 + WINDOW_MS + 1], // past the window: taken in afresh
  ['gw/d', T0 + 2 + WINDOW_MS + 2],
  ['gw/a', T0 + 2 + WINDOW_MS + 3], // repeat of the one taken in afresh
];

function replay(): Replay {
  const { ruleSet } = buildRuleSet([{ file: 'r.yaml', text: RULES }]);
  if (!ruleSet) throw new Error('the rules do not build');
  const options = engineOptions(loadConfig({}, REPO_ROOT).correlate, [], 1);
  return new Replay(ruleSet, options, () => undefined, WINDOW_MS, 0);
}

describe('Replay.pushBatch', () => {
  for (const hashed of [true, false])
    it(`skips the repeats that pushing events one by one skips${hashed ? '' : ' (no hashes in the batch)'}`, () => {
      const one = replay();
      for (const [ref, at] of EVENTS) one.pushRouted(ref.split('/')[0] ?? '', at, at, ref, []);
      const batched = replay();
      for (const part of [EVENTS.slice(0, 4), EVENTS.slice(4)]) {
        const builder = new RoutedBatchBuilder(hashed);
        for (const [ref, at] of part) builder.add('', ref.split('/')[0] ?? '', at, at, ref, []);
        batched.pushBatch(builder.build());
      }
      expect(one.duplicates).toBe(3);
      expect([batched.events, batched.duplicates]).toEqual([one.events, one.duplicates]);
    });
});
