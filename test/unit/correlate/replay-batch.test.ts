/**
 * A replay applies the routed batches of its threads (Replay.pushBatch) as it would the same
 * events one at a time: the repeats a batch holds, or that repeat an earlier batch's events,
 * are found all at once and skipped, with or without the refs' hashes in the batch, and every
 * other event is applied, in order.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { engineOptions } from '../../../src/correlate/engine-options.js';
import type { Match } from '../../../src/correlate/match.js';
import { Replay, readRecordedLine } from '../../../src/correlate/replay.js';
import { startRouter } from '../../../src/correlate/replay-routing.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';
import { RoutedBatchBuilder } from '../../../src/correlate/routing/routed-batch.js';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

// Every failure is a match of its own, naming the event: which events were applied shows.
const RULES = `title: Login failure
name: login_failure
level: low
logsource: { category: login }
detection: { sel: { outcome: failure }, condition: sel }
cordon: { group-by: [user] }
`;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const WINDOW_MS = 60_000;

/** Events as (source, id, receipt time): repeats within the window, one after, across batches. */
const EVENTS: [string, string, number][] = [
  ['gw', 'a', T0],
  ['gw', 'b', T0 + 1],
  ['gw', 'a', T0 + 2], // repeat in the same batch
  ['iam', 'a', T0 + 3], // same id, other source: not a repeat
  ['gw', 'c', T0 + 4],
  ['gw', 'b', T0 + 5], // repeat of the first batch's event
  ['gw', 'a', T0 + 2 + WINDOW_MS + 1], // past the window: taken in afresh
  ['gw', 'd', T0 + 2 + WINDOW_MS + 2],
  ['gw', 'a', T0 + 2 + WINDOW_MS + 3], // repeat of the one taken in afresh
];

function events(): CanonicalEvent[] {
  return EVENTS.map(([source, id, at], i) => {
    const line = JSON.stringify({
      source,
      id,
      time: at,
      received: at,
      kind: 'login',
      outcome: 'failure',
      // A user per line: each applied event is a match of its own.
      entity: { user: `u${i}` },
    });
    const read = readRecordedLine(line, T0 + 3_600_000, 'replay');
    if (read.ok !== true) throw new Error(`not an event: ${line}`);
    return read.event;
  });
}

function replay(onMatch: (m: Match) => void): Replay {
  const { ruleSet } = buildRuleSet([{ file: 'r.yaml', text: RULES }]);
  if (!ruleSet) throw new Error('the rules do not build');
  const options = engineOptions(loadConfig({}, REPO_ROOT).correlate, [], 1);
  return new Replay(ruleSet, options, onMatch, WINDOW_MS, 0);
}

describe('Replay.pushBatch', () => {
  for (const hashed of [true, false])
    it(`applies the events pushing them one by one applies, and skips the same repeats${hashed ? '' : ' (no hashes in the batch)'}`, () => {
      const serial: string[][] = [];
      const one = replay((m) => serial.push([...m.refs]));
      for (const e of events()) one.push(e);
      one.finish();

      const { ruleSet } = buildRuleSet([{ file: 'r.yaml', text: RULES }]);
      if (!ruleSet) throw new Error('the rules do not build');
      const options = engineOptions(loadConfig({}, REPO_ROOT).correlate, [], 1);
      const router = startRouter(ruleSet, {
        sources: [],
        options,
        now: T0 + 3_600_000,
        defaultSource: 'replay',
      });
      const batched: string[][] = [];
      const many = replay((m) => batched.push([...m.refs]));
      const all = events();
      for (const part of [all.slice(0, 4), all.slice(4)]) {
        const builder = new RoutedBatchBuilder(hashed);
        for (const e of part)
          builder.add(
            '',
            e.source,
            e.time,
            e.received,
            `${e.source}/${e.id}`,
            router.engine.route(e),
          );
        many.pushBatch(builder.build());
      }
      many.finish();

      expect(one.duplicates).toBe(3);
      expect([many.events, many.duplicates]).toEqual([one.events, one.duplicates]);
      // The applied events, in order: the first of each repeat, never the repeat.
      expect(serial.flat()).toEqual(['gw/a', 'gw/b', 'iam/a', 'gw/c', 'gw/a', 'gw/d']);
      expect(batched).toEqual(serial);
    });
});
