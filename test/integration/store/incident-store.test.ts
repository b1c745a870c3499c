import { describe, expect, it } from 'vitest';
import { IncidentStore, type RecordMatchOutcome } from '../../../src/store/incident-store.js';
import { ScriptRunner } from '../../../src/store/redis-scripts.js';
import { BASE, makeMatch, sha256Hex, useStoreRedis } from './store-helpers.js';

/** IncidentStore (recordMatch-7.lua, resolveIncident-3.lua) against a real Redis. */
const env = useStoreRedis('store-inc');

const incId = (matchId: string): string => `inc_${sha256Hex(matchId).slice(0, 24)}`;
const N = BASE + 3_600_000;

/** recordMatch's outcome without the incident it may return (checked on its own below). */
async function outcomeOf(
  recording: Promise<RecordMatchOutcome>,
): Promise<Omit<RecordMatchOutcome, 'incident'>> {
  const { incident: _incident, ...rest } = await recording;
  return rest;
}

describe('IncidentStore', () => {
  it('records a withdrawn match on its incident once; retracted when every match is', async () => {
    const keys = env.fresh('retract');
    const store = new IncidentStore(env.t.redis, keys);
    const m1 = makeMatch({ matchId: 'm_r1', lastTime: BASE + 1_000 });
    const m2 = makeMatch({ matchId: 'm_r2', lastTime: BASE + 5_000 });
    const id = incId('m_r1');
    await store.recordMatch(m1, N);
    await store.recordMatch(m2, N + 1);
    const retraction = (matchId: string, at: number) => ({
      matchId,
      rule: m1.rule,
      ruleTitle: m1.ruleTitle,
      groupKey: m1.groupKey,
      group: m1.group,
      ref: 'gateway/e9',
      time: BASE + 500,
      reason: 'approved at … arrived after the absence had been reported',
      retractedAt: at,
      tooLate: true,
    });
    expect(await store.recordRetraction(retraction('m_r1', N + 2), N + 2)).toEqual({
      outcome: 'recorded',
      incidentId: id,
    });
    // Redelivered after a correlator restart: recorded once.
    expect(await store.recordRetraction(retraction('m_r1', N + 3), N + 3)).toEqual({
      outcome: 'replayed',
      incidentId: id,
    });
    let incident = await store.get(id);
    expect(incident).toMatchObject({ retractionCount: 1, retracted: false, updatedAt: N + 2 });
    expect(incident?.retractions).toEqual([retraction('m_r1', N + 2)]);

    await store.recordRetraction(retraction('m_r2', N + 4), N + 4);
    incident = await store.get(id);
    expect(incident).toMatchObject({ retractionCount: 2, retracted: true, status: 'open' });
    expect(incident?.retractions.map((r) => r.matchId)).toEqual(['m_r1', 'm_r2']);
    expect((await store.list({ limit: 10 }))[0]).toMatchObject({ id, retracted: true });

    // A match no incident holds (suppressed, or its incident deleted by retention).
    expect(await store.recordRetraction(retraction('m_unknown', N + 5), N + 5)).toEqual({
      outcome: 'no-incident',
    });
  });

  it('finds the open incident another process opened, and opens anew after a resolve', async () => {
    const keys = env.fresh('guess');
    // Two correlator processes: each guesses the open incident from what it saw itself.
    const a = new IncidentStore(env.t.redis, keys);
    const b = new IncidentStore(env.t.redis, keys);
    const first = await a.recordMatch(makeMatch({ matchId: 'm_g1' }), N);
    expect(first).toMatchObject({ incidentId: incId('m_g1'), created: true });
    // b has seen none: its guess ("none open") is refused and it attaches to a's.
    expect(await outcomeOf(b.recordMatch(makeMatch({ matchId: 'm_g2' }), N + 1))).toEqual({
      incidentId: incId('m_g1'),
      created: false,
      replayed: false,
    });
    expect(await b.resolve(incId('m_g1'), 'alice', '', N + 2)).toBe('resolved');
    // a still guesses the resolved one: refused, it opens a new incident.
    expect(await outcomeOf(a.recordMatch(makeMatch({ matchId: 'm_g3' }), N + 3))).toEqual({
      incidentId: incId('m_g3'),
      created: true,
      replayed: false,
    });
    expect((await a.get(incId('m_g1')))?.matchCount).toBe(2);
    expect((await a.get(incId('m_g3')))?.matchCount).toBe(1);
  });

  it('reads an incident without its matches, runs and retractions for a trigger', async () => {
    const keys = env.fresh('summary');
    const store = new IncidentStore(env.t.redis, keys);
    const opened = await store.recordMatch(
      makeMatch({ matchId: 'm_s1', lastTime: BASE + 1_000 }),
      N,
    );
    const id = incId('m_s1');
    // The match that creates the incident returns it, as a read right after would.
    expect(opened.incident).toEqual(await store.summary(id));
    expect(opened.incident).toMatchObject({ id, status: 'open', matchCount: 1, createdAt: N });
    const joined = await store.recordMatch(
      makeMatch({ matchId: 'm_s2', lastTime: BASE + 2_000 }),
      N + 1,
    );
    // One that joins it, or a replay, does not: either would be read when needed.
    expect([joined.created, joined.incident]).toEqual([false, undefined]);
    const replay = await store.recordMatch(makeMatch({ matchId: 'm_s1' }), N + 2);
    expect([replay.replayed, replay.created, replay.incident]).toEqual([true, true, undefined]);
    const detail = await store.get(id);
    const summary = await store.summary(id);
    expect(detail?.matches).toHaveLength(2);
    const { matches, runs, retractions, ...rest } = detail ?? ({} as NonNullable<typeof detail>);
    expect([matches.length, runs, retractions]).toEqual([2, [], []]);
    expect(summary).toEqual(rest);
    expect(summary).toMatchObject({ matchCount: 2, updatedAt: N + 1 });
    expect(await store.summary('inc_none')).toBeUndefined();
  });

  it("keeps the opening match's figures as the incident's aggregate, for playbooks", async () => {
    const keys = env.fresh('agg');
    const store = new IncidentStore(env.t.redis, keys);
    const explanation = [{ feature: 'requests', value: 25, mean: 3.3, stdev: 0.5, z: 21.7 }];
    const first = makeMatch({
      matchId: 'm_a1',
      aggregate: { score: 0.83, driver: 'requests', explanation },
    });
    const second = makeMatch({
      matchId: 'm_a2',
      lastTime: BASE + 60_000,
      aggregate: { score: 0.9 },
    });
    await store.recordMatch(first, N);
    await store.recordMatch(second, N + 1);
    const incident = await store.get(incId('m_a1'));
    expect(incident?.aggregate).toEqual({ score: 0.83, driver: 'requests', explanation });
    expect(incident?.matches.map((m) => m.aggregate.score)).toEqual([0.9, 0.83]);
  });

  it('opens, attaches, separates groups, replays, resolves and reopens', async () => {
    const keys = env.fresh('life');
    const store = new IncidentStore(env.t.redis, keys);
    const m1 = makeMatch({ matchId: 'm_one', count: 3, firstTime: BASE, lastTime: BASE + 2_000 });
    const m2 = makeMatch({
      matchId: 'm_two',
      count: 2,
      firstTime: BASE + 10_000,
      lastTime: BASE + 12_000,
      refs: ['gateway/e4', 'gateway/e5'],
    });
    const m3 = makeMatch({
      matchId: 'm_three',
      groupKey: '["k-2"]',
      group: { api_key: 'k-2' },
      count: 4,
    });
    const id1 = incId('m_one');

    expect(await outcomeOf(store.recordMatch(m1, N))).toEqual({
      incidentId: id1,
      created: true,
      replayed: false,
    });
    expect(await store.get(id1)).toEqual({
      id: id1,
      title: 'Model extraction (api_key=k-1)',
      status: 'open',
      rule: 'extraction',
      ruleTitle: 'Model extraction',
      ruleType: 'event_count',
      severity: 'high',
      tags: ['atlas.t0024'],
      group: { api_key: 'k-1' },
      groupKey: '["k-1"]',
      createdAt: N,
      updatedAt: N,
      firstSeen: BASE,
      lastSeen: BASE + 2_000,
      matchCount: 1,
      eventCount: 3,
      retractionCount: 0,
      retracted: false,
      aggregate: { count: 3 },
      matches: [m1],
      runs: [],
      retractions: [],
    });

    // Same rule + group: attaches.
    expect(await outcomeOf(store.recordMatch(m2, N + 1_000))).toEqual({
      incidentId: id1,
      created: false,
      replayed: false,
    });
    const attached = await store.get(id1);
    expect(attached).toEqual(
      expect.objectContaining({
        createdAt: N,
        updatedAt: N + 1_000,
        firstSeen: BASE,
        lastSeen: BASE + 12_000,
        matchCount: 2,
        eventCount: 5,
      }),
    );
    expect(attached!.matches).toEqual([m2, m1]);

    // Another group: another incident.
    const id3 = incId('m_three');
    expect(await outcomeOf(store.recordMatch(m3, N + 2_000))).toEqual({
      incidentId: id3,
      created: true,
      replayed: false,
    });
    expect(id3).not.toBe(id1);
    expect(await store.get(id3)).toEqual(
      expect.objectContaining({
        title: 'Model extraction (api_key=k-2)',
        matchCount: 1,
        eventCount: 4,
      }),
    );

    // Redelivery returns the first outcome and changes nothing.
    expect(await outcomeOf(store.recordMatch(m1, N + 3_000))).toEqual({
      incidentId: id1,
      created: true,
      replayed: true,
    });
    expect(await outcomeOf(store.recordMatch(m2, N + 3_000))).toEqual({
      incidentId: id1,
      created: false,
      replayed: true,
    });
    expect(await store.get(id1)).toEqual(attached);

    // Resolve: the next match of the group opens a new incident.
    expect(await store.resolve(id1, 'alice', 'false positive', N + 4_000)).toBe('resolved');
    expect(await store.resolve(id1, 'bob', 'again', N + 5_000)).toBe('already-resolved');
    expect(await store.resolve('inc_missing', 'bob', '', N + 5_000)).toBe('not-found');
    expect(await store.get(id1)).toEqual({
      ...attached,
      status: 'resolved',
      updatedAt: N + 4_000,
      resolvedAt: N + 4_000,
      resolvedBy: 'alice',
      resolveComment: 'false positive',
    });

    const m4 = makeMatch({
      matchId: 'm_four',
      count: 5,
      firstTime: BASE + 20_000,
      lastTime: BASE + 25_000,
    });
    const id4 = incId('m_four');
    expect(await outcomeOf(store.recordMatch(m4, N + 6_000))).toEqual({
      incidentId: id4,
      created: true,
      replayed: false,
    });
    expect(await store.get(id4)).toEqual(
      expect.objectContaining({
        status: 'open',
        matchCount: 1,
        eventCount: 5,
        createdAt: N + 6_000,
      }),
    );
    expect((await store.get(id1))!.matchCount).toBe(2);
    // A redelivery of an old match still points at the incident it went to.
    expect(await outcomeOf(store.recordMatch(m2, N + 7_000))).toEqual({
      incidentId: id1,
      created: false,
      replayed: true,
    });

    // list: newest first by creation, optional status filter and cursor.
    const ids = async (o: Parameters<IncidentStore['list']>[0]) =>
      (await store.list(o)).map((i) => i.id);
    expect(await ids({ limit: 10 })).toEqual([id4, id3, id1]);
    expect(await ids({ limit: 10, status: 'open' })).toEqual([id4, id3]);
    expect(await ids({ limit: 10, status: 'resolved' })).toEqual([id1]);
    expect(await ids({ limit: 1 })).toEqual([id4]);
    expect(await ids({ limit: 10, before: N + 6_000 })).toEqual([id3, id1]);
    expect(await ids({ limit: 1, status: 'open', before: N + 6_000 })).toEqual([id3]);
    expect((await store.list({ limit: 10, status: 'resolved' }))[0]).toEqual(
      expect.objectContaining({ id: id1, status: 'resolved', resolvedBy: 'alice', matchCount: 2 }),
    );

    // Runs are linked to their incident when created (RunStore.create); the set is read here.
    for (const run of ['run_b', 'run_a', 'run_a'])
      await env.t.redis.sadd(keys.incidentRuns(id4), run);
    expect((await store.get(id4))!.runs).toEqual(['run_a', 'run_b']);
    expect(await store.get('inc_missing')).toBeUndefined();
  });

  it('keeps lastSeen at the latest event time when an older match attaches', async () => {
    const store = new IncidentStore(env.t.redis, env.fresh('lastseen'));
    const first = makeMatch({
      matchId: 'm_late1',
      firstTime: BASE + 50_000,
      lastTime: BASE + 60_000,
    });
    const older = makeMatch({
      matchId: 'm_late2',
      firstTime: BASE + 52_000,
      lastTime: BASE + 55_000,
    });
    const { incidentId } = await store.recordMatch(first, N);
    await store.recordMatch(older, N + 1);
    expect(await store.get(incidentId)).toEqual(
      expect.objectContaining({ firstSeen: BASE + 50_000, lastSeen: BASE + 60_000, matchCount: 2 }),
    );
  });

  it('moves firstSeen back when a late match with earlier events attaches', async () => {
    // Incident.firstSeen: "event time of the first ... contributing events" of the incident.
    const store = new IncidentStore(env.t.redis, env.fresh('firstseen'));
    const first = makeMatch({ matchId: 'm_f1', firstTime: BASE + 50_000, lastTime: BASE + 60_000 });
    const late = makeMatch({
      matchId: 'm_f2',
      firstTime: BASE + 1_000,
      lastTime: BASE + 5_000,
      late: true,
    });
    const { incidentId } = await store.recordMatch(first, N);
    expect(await outcomeOf(store.recordMatch(late, N + 1))).toEqual({
      incidentId,
      created: false,
      replayed: false,
    });
    expect(await store.get(incidentId)).toEqual(
      expect.objectContaining({ firstSeen: BASE + 1_000, lastSeen: BASE + 60_000 }),
    );
  });

  it('recordMatch-7.lua refuses (-1) when the open incident changed since the caller looked', async () => {
    const keys = env.fresh('cas');
    const store = new IncidentStore(env.t.redis, keys);
    const { incidentId } = await store.recordMatch(makeMatch({ matchId: 'm_cas1' }), N);
    const scripts = new ScriptRunner(env.t.redis);
    const match = makeMatch({ matchId: 'm_cas2' });
    const reply = await scripts.run(
      'recordMatch',
      [
        keys.incidentByMatch,
        `${keys.incidentByMatch}:time`,
        keys.incidentOpen,
        keys.incidentIndex,
        keys.incident('inc_stale'),
        keys.incidentMatches('inc_stale'),
        keys.changes,
      ],
      [
        N + 1,
        match.matchId,
        `${match.rule}\n${match.groupKey}`,
        '',
        'inc_stale',
        JSON.stringify(match),
        100,
        86_400_000,
        '{}',
        match.lastTime,
        match.count,
        match.firstTime,
        1000,
      ],
    );
    expect(reply).toEqual([-1, incidentId, 0]);
    expect(await env.t.redis.exists(keys.incident('inc_stale'))).toBe(0);
    // Through the store it retries and attaches.
    expect(await outcomeOf(store.recordMatch(match, N + 2))).toEqual({
      incidentId,
      created: false,
      replayed: false,
    });
  });

  it('forgets match ids after the 30-day memory', async () => {
    const store = new IncidentStore(env.t.redis, env.fresh('memory'));
    const old = makeMatch({ matchId: 'm_old', groupKey: '["k-old"]', group: { api_key: 'k-old' } });
    const first = await outcomeOf(store.recordMatch(old, N));
    expect(await outcomeOf(store.recordMatch(old, N + 30 * 86_400_000))).toEqual({
      ...first,
      replayed: true,
    });
    await store.recordMatch(
      makeMatch({ matchId: 'm_new', groupKey: '["k-new"]', group: { api_key: 'k-new' } }),
      N + 30 * 86_400_000 + 1,
    );
    expect(await outcomeOf(store.recordMatch(old, N + 30 * 86_400_000 + 2))).toEqual({
      incidentId: first.incidentId,
      created: false,
      replayed: false,
    });
  });
});
