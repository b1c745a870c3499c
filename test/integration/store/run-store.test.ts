import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../../src/playbook/definition/compile-playbook.js';
import type { Effect } from '../../../src/playbook/runtime/effects.js';
import type { RunRecord, TimelineEntry } from '../../../src/playbook/runtime/run-record.js';
import { RunStore, type RunPatch } from '../../../src/store/run-store.js';
import { BASE, useStoreRedis } from './store-helpers.js';

/** RunStore (createRun-6.lua, saveRun-5.lua) against a real Redis. */
const env = useStoreRedis('store-run');

function context(id: string): RunContext {
  return {
    incident: {
      id: 'inc_1',
      title: 'Model extraction (api_key=k-ü—1)',
      firstSeen: BASE,
      group: { api_key: 'k-1' },
    },
    run: { id, playbook: 'contain-extraction', startedAt: BASE },
    steps: {},
    approvals: {},
    gate: null,
  };
}

const EFFECT: Effect = { kind: 'action', id: 'act_1', state: 'notify', step: 1, at: BASE + 10 };

function runRecord(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    playbookId: 'contain-extraction',
    playbookHash: 'f'.repeat(64),
    incidentId: 'inc_1',
    initiator: 'correlation:extraction',
    status: 'running',
    state: 'notify',
    step: 1,
    version: 0,
    context: context(id),
    pendingEffects: [EFFECT],
    createdAt: BASE,
    updatedAt: BASE,
    endedAt: undefined,
    ...overrides,
  };
}

const entry = (at: number, type: string, extra: Record<string, unknown> = {}): TimelineEntry => ({
  at,
  type,
  ...extra,
});

describe('RunStore', () => {
  it('create is idempotent; get returns the record; timeline and active set are written', async () => {
    const keys = env.fresh('create');
    const store = new RunStore(env.t.redis, keys);
    const run = runRecord('run_1');
    const t1 = entry(BASE, 'run.started', { playbook: 'contain-extraction' });
    const t2 = entry(BASE, 'state.entered', { state: 'notify' });
    expect(await store.create(run, [t1, t2])).toBe(true);
    expect(
      await store.create({ ...run, state: 'other', version: 7 }, [entry(BASE + 1, 'again')]),
    ).toBe(false);
    expect(await store.get('run_1')).toEqual(run);
    expect(await store.timeline('run_1')).toEqual([t1, t2]);
    expect(await store.activeIds()).toEqual(['run_1']);
    expect(await store.get('run_missing')).toBeUndefined();
    expect(await store.timeline('run_missing')).toEqual([]);
    expect(await env.t.redis.smembers(keys.incidentRuns('inc_1'))).toEqual(['run_1']);
  });

  it('save is compare-and-set on version, with timeline, applied event id and outbox', async () => {
    const keys = env.fresh('save');
    const store = new RunStore(env.t.redis, keys);
    const run = runRecord('run_2');
    await store.create(run, [entry(BASE, 'run.started')]);

    const stepped: RunContext = {
      ...run.context,
      steps: { notify: { status: 'succeeded', result: { sent: 2 }, attempts: 1 } },
    };
    const next: Effect = { kind: 'approval', id: 'apr_1', state: 'revoke', step: 2, at: BASE + 20 };
    const patch: RunPatch = {
      status: 'waiting',
      state: 'revoke',
      step: 2,
      context: stepped,
      pendingEffects: [next],
      updatedAt: BASE + 20,
    };
    expect(
      await store.save(
        run,
        patch,
        [entry(BASE + 20, 'action.succeeded', { state: 'notify' })],
        'ev-1',
      ),
    ).toBe('saved');

    const saved = await store.get('run_2');
    expect(saved).toEqual({
      ...run,
      status: 'waiting',
      state: 'revoke',
      step: 2,
      version: 1,
      context: stepped,
      pendingEffects: [next],
      updatedAt: BASE + 20,
    });
    expect(await store.wasApplied('run_2', 'ev-1')).toBe(true);
    expect(await store.wasApplied('run_2', 'ev-2')).toBe(false);

    // A writer still holding version 0 loses and changes nothing.
    const stale = await store.save(
      run,
      { ...patch, state: 'elsewhere' },
      [entry(BASE + 30, 'stale')],
      'ev-stale',
    );
    expect(stale).toBe('conflict');
    expect(await store.get('run_2')).toEqual(saved);
    expect(await store.wasApplied('run_2', 'ev-stale')).toBe(false);
    expect((await store.timeline('run_2')).map((e) => e.type)).toEqual([
      'run.started',
      'action.succeeded',
    ]);

    // A save without an event id records none.
    expect(await store.save(saved!, { ...patch, updatedAt: BASE + 40 }, [], '')).toBe('saved');
    expect((await store.get('run_2'))!.version).toBe(2);
    expect(await env.t.redis.smembers(keys.runApplied('run_2'))).toEqual(['ev-1']);
    expect(await store.save(runRecord('run_missing'), patch, [], 'ev-x')).toBe('missing');
    expect(await store.get('run_missing')).toBeUndefined();
  });

  it('ending a run removes it from the active set; clearEffects empties the outbox under CAS', async () => {
    const store = new RunStore(env.t.redis, env.fresh('end'));
    const a = runRecord('run_a');
    const b = runRecord('run_b', { createdAt: BASE + 1 });
    await store.create(a, []);
    await store.create(b, []);
    expect((await store.activeIds()).sort()).toEqual(['run_a', 'run_b']);

    // Not ended yet: stays active.
    expect(
      await store.save(
        a,
        {
          status: 'running',
          state: 's2',
          step: 2,
          context: a.context,
          pendingEffects: [EFFECT],
          updatedAt: BASE + 5,
        },
        [],
        'ev-a1',
      ),
    ).toBe('saved');
    expect((await store.activeIds()).sort()).toEqual(['run_a', 'run_b']);

    const a1 = (await store.get('run_a'))!;
    expect(await store.clearEffects(a1, BASE + 6, [entry(BASE + 6, 'effects.performed')])).toBe(
      true,
    );
    const a2 = (await store.get('run_a'))!;
    expect(a2).toEqual({ ...a1, pendingEffects: [], version: a1.version + 1, updatedAt: BASE + 6 });
    expect(await store.clearEffects(a1, BASE + 7)).toBe(false);
    expect(await store.get('run_a')).toEqual(a2);
    expect((await store.timeline('run_a')).map((e) => e.type)).toEqual(['effects.performed']);

    const ended: RunPatch = {
      status: 'resolved',
      state: 'done',
      step: 3,
      context: a2.context,
      pendingEffects: [],
      updatedAt: BASE + 8,
      endedAt: BASE + 8,
    };
    expect(await store.save(a2, ended, [entry(BASE + 8, 'run.ended')], 'ev-a2')).toBe('saved');
    expect(await store.activeIds()).toEqual(['run_b']);
    expect(await store.get('run_a')).toEqual(
      expect.objectContaining({ status: 'resolved', endedAt: BASE + 8, version: a2.version + 1 }),
    );
  });

  it('the change feed gets an entry per save that moves status, state or step, and none for one that does not', async () => {
    const keys = env.fresh('feed');
    const store = new RunStore(env.t.redis, keys);
    const run = runRecord('run_f');
    await store.create(run, []);
    const runEntries = async (): Promise<number> =>
      (await env.t.redis.xrange(keys.changes, '-', '+')).filter(
        ([, f]) => f[1] === 'run' && f[3] === 'run_f',
      ).length;
    expect(await runEntries()).toBe(1);
    const still: RunPatch = {
      status: run.status,
      state: run.state,
      step: run.step,
      context: run.context,
      pendingEffects: [],
      updatedAt: BASE + 1,
    };
    const same = await store.commit(run, still, [], 'ev-f1');
    expect(same).toMatchObject({ version: 1 });
    expect(await runEntries()).toBe(1);
    if (typeof same === 'string') throw new Error(same);
    expect(await store.clearEffects(same, BASE + 2)).toBe(true);
    expect(await runEntries()).toBe(1);
    const moved = await store.commit(
      (await store.get('run_f'))!,
      { ...still, state: 's2', step: 2, updatedAt: BASE + 3 },
      [],
      'ev-f2',
    );
    expect(moved).toMatchObject({ state: 's2', step: 2 });
    expect(await runEntries()).toBe(2);
    const stepped = await store.commit(
      (await store.get('run_f'))!,
      { ...still, state: 's2', step: 3, updatedAt: BASE + 4 },
      [],
      'ev-f3',
    );
    expect(stepped).toMatchObject({ step: 3 });
    expect(await runEntries()).toBe(3);
  });

  it('timeline keeps insertion order across create, save and clearEffects', async () => {
    const store = new RunStore(env.t.redis, env.fresh('timeline'));
    const run = runRecord('run_t');
    const t = [
      entry(BASE, 'a'),
      entry(BASE, 'b'),
      entry(BASE + 1, 'c', { detail: { n: 1 } }),
      entry(BASE + 2, 'd'),
      entry(BASE + 3, 'e'),
    ];
    await store.create(run, [t[0]!, t[1]!]);
    await store.save(
      run,
      {
        status: 'running',
        state: 'x',
        step: 2,
        context: run.context,
        pendingEffects: [],
        updatedAt: BASE + 1,
      },
      [t[2]!, t[3]!],
      'ev',
    );
    const saved = (await store.get('run_t'))!;
    expect(await store.clearEffects(saved, BASE + 3, [t[4]!])).toBe(true);
    expect(await store.timeline('run_t')).toEqual(t);
  });

  it('lists newest first, overall and by incident', async () => {
    const store = new RunStore(env.t.redis, env.fresh('list'));
    await store.create(runRecord('run_x1', { incidentId: 'inc_x', createdAt: BASE + 1 }), []);
    await store.create(runRecord('run_y1', { incidentId: 'inc_y', createdAt: BASE + 2 }), []);
    await store.create(runRecord('run_x2', { incidentId: 'inc_x', createdAt: BASE + 3 }), []);
    const ids = async (o: Parameters<RunStore['list']>[0]) =>
      (await store.list(o)).map((r) => r.id);
    expect(await ids({ limit: 10 })).toEqual(['run_x2', 'run_y1', 'run_x1']);
    expect(await ids({ limit: 2 })).toEqual(['run_x2', 'run_y1']);
    expect(await ids({ limit: 10, incidentId: 'inc_x' })).toEqual(['run_x2', 'run_x1']);
    expect(await ids({ limit: 10, incidentId: 'inc_y' })).toEqual(['run_y1']);
    expect(await ids({ limit: 10, incidentId: 'inc_none' })).toEqual([]);
  });

  it('list by incident with a limit returns the newest runs', async () => {
    const store = new RunStore(env.t.redis, env.fresh('list-limit'));
    // 20 runs: a set's member order would pick the 3 newest by chance about once in 1140.
    for (let i = 0; i < 20; i += 1) {
      await store.create(
        runRecord(`run_${String(i).padStart(2, '0')}`, {
          incidentId: 'inc_many',
          createdAt: BASE + i,
        }),
        [],
      );
    }
    expect((await store.list({ limit: 3, incidentId: 'inc_many' })).map((r) => r.id)).toEqual([
      'run_19',
      'run_18',
      'run_17',
    ]);
  });

  it('commit and createAndGet answer with exactly what a read returns, saves that set and clear fields included', async () => {
    const keys = env.fresh('commit');
    const store = new RunStore(env.t.redis, keys);
    const created = await store.createAndGet(runRecord('run_c', { version: 1 }), []);
    expect(created).toEqual(await store.get('run_c'));
    expect(await store.createAndGet(runRecord('run_c', { version: 1 }), [])).toBeUndefined();

    // Into a parallel state, failing with a retry point, an undo book and an end time...
    let run = created as RunRecord;
    const patches: RunPatch[] = [
      {
        status: 'failed',
        state: 'both',
        step: 2,
        context: {
          ...context('run_c'),
          steps: { notify: { status: 'succeeded', result: 1, attempts: 1 } },
        },
        pendingEffects: [],
        updatedAt: BASE + 20,
        endedAt: BASE + 20,
        value: { both: { a: 'x', b: 'y' } },
        leaves: { x: 2, y: 2 },
        failedAt: { state: 'notify', gate: null },
        undo: { entries: [], pass: null } as unknown as RunPatch['undo'],
      },
      // ...then a retry reopens it and clears what the failure set.
      {
        status: 'running',
        state: 'notify',
        step: 3,
        context: context('run_c'),
        pendingEffects: [EFFECT],
        updatedAt: BASE + 30,
        value: null,
        leaves: { notify: 3 },
        failedAt: null,
        reopen: true,
      },
    ];
    for (const [i, patch] of patches.entries()) {
      const saved = await store.commit(run, patch, [entry(BASE + i, 'step')], `ev-${i}`);
      expect(typeof saved).toBe('object');
      expect(saved).toEqual(await store.get('run_c'));
      run = saved as RunRecord;
    }
    expect(run).toMatchObject({ status: 'running', step: 3, version: 3, endedAt: undefined });
    expect(run).not.toHaveProperty('failedAt');
    expect(run).not.toHaveProperty('value');
    expect(await store.commit(created as RunRecord, patches[1] as RunPatch, [], 'late')).toBe(
      'conflict',
    );
  });

  it('remembers each run as it last wrote it; a save from a stale or already-applied copy is refused', async () => {
    const keys = env.fresh('recent');
    const mine = new RunStore(env.t.redis, keys);
    // Another process, with its own memory, on the same Redis.
    const theirs = new RunStore(env.t.redis, keys);
    const step: RunPatch = {
      status: 'running',
      state: 's2',
      step: 2,
      context: context('run_r'),
      pendingEffects: [EFFECT],
      updatedAt: BASE + 5,
    };
    expect(mine.recent('run_r')).toBeUndefined();
    const created = (await mine.createAndGet(runRecord('run_r', { version: 1 }), []))!;
    expect(mine.recent('run_r')).toEqual(created);
    expect(theirs.recent('run_r')).toBeUndefined();

    const saved = (await mine.commit(
      created,
      step,
      [entry(BASE + 5, 'step')],
      'ev-1',
    )) as RunRecord;
    expect(mine.recent('run_r')).toEqual(saved);
    expect(await mine.clearEffects(saved, BASE + 6)).toBe(true);
    const cleared = mine.recent('run_r')!;
    expect(cleared).toEqual(await mine.get('run_r'));
    expect(cleared).toMatchObject({ pendingEffects: [], version: saved.version + 1 });

    // The same event again from the remembered copy: refused, nothing written.
    expect(
      await mine.commit(cleared, { ...step, step: 3, state: 's3' }, [entry(BASE + 7, 'x')], 'ev-1'),
    ).toBe('duplicate');
    expect(await mine.get('run_r')).toEqual(cleared);
    expect((await mine.timeline('run_r')).map((e) => e.type)).toEqual(['step']);
    expect(
      await mine.save(cleared, { ...step, step: 3, state: 's3' }, [], 'ev-1'),
      'save reports it as a conflict: a fresh read tells the caller why',
    ).toBe('conflict');

    expect(mine.recent('run_r'), 'a refused save forgets the copy').toBeUndefined();

    // The other process moves the run: this one's remembered copy is stale, its save refused.
    const again = (await mine.commit(cleared, { ...step, step: 3 }, [], 'ev-2')) as RunRecord;
    expect(mine.recent('run_r')).toEqual(again);
    const fresh = (await theirs.get('run_r'))!;
    const moved = (await theirs.commit(
      fresh,
      { ...step, state: 's4', step: 4 },
      [],
      'ev-3',
    )) as RunRecord;
    expect(await mine.commit(again, { ...step, state: 's5', step: 5 }, [], 'ev-4')).toBe(
      'conflict',
    );
    expect(mine.recent('run_r')).toBeUndefined();
    expect(await mine.clearEffects(again, BASE + 8)).toBe(false);
    expect(await mine.get('run_r')).toEqual(moved);

    // An ended run is not remembered.
    const ended = await theirs.commit(
      moved,
      {
        ...step,
        state: 'done',
        step: 5,
        pendingEffects: [],
        status: 'resolved',
        endedAt: BASE + 9,
      },
      [],
      'ev-5',
    );
    expect(ended).toMatchObject({ status: 'resolved' });
    expect(theirs.recent('run_r')).toBeUndefined();
  });

  it('storePlaybook keeps the first definition stored under a hash (NX)', async () => {
    const store = new RunStore(env.t.redis, env.fresh('pb'));
    await store.storePlaybook('h1', '{"id":"contain","version":1}');
    await store.storePlaybook('h1', '{"id":"contain","version":2}');
    await store.storePlaybook('h2', '{"id":"other"}');
    expect(await store.loadPlaybook('h1')).toBe('{"id":"contain","version":1}');
    expect(await store.loadPlaybook('h2')).toBe('{"id":"other"}');
    expect(await store.loadPlaybook('h-missing')).toBeUndefined();
  });
});

describe('RunStore.createSubRunAndGet (createSubRun-7.lua)', () => {
  const at = { runId: 'run_parent', state: 'contain', step: 2 };
  const child = (id = 'run_child'): RunRecord =>
    runRecord(id, { version: 1, parent: { ...at, depth: 1 } });
  const started = [entry(BASE, 'started')];

  it('creates the sub-run while its parent rests at the call, as a read returns it', async () => {
    const keys = env.fresh('sub-create');
    const store = new RunStore(env.t.redis, keys);
    await store.create(
      runRecord('run_parent', { state: 'contain', step: 2, leaves: { contain: 2 } }),
      [],
    );
    const created = await store.createSubRunAndGet(child(), started, at);
    expect(created).toEqual(child());
    expect(await store.get('run_child')).toEqual(created);
    // A start delivered again: it exists, whatever the parent does meanwhile.
    expect(await store.createSubRunAndGet(child(), started, { ...at, step: 9 })).toBeUndefined();
  });

  it('a parallel parent resting at the call in one branch among others', async () => {
    const keys = env.fresh('sub-branch');
    const store = new RunStore(env.t.redis, keys);
    await store.create(
      runRecord('run_parent', { state: 'both', step: 4, leaves: { contain: 2, notify: 4 } }),
      [],
    );
    expect(await store.createSubRunAndGet(child(), started, at)).toEqual(child());
  });

  it('a parent record from before leaves were kept: its state and step decide', async () => {
    const keys = env.fresh('sub-legacy');
    const store = new RunStore(env.t.redis, keys);
    await store.create(runRecord('run_parent', { state: 'contain', step: 2 }), []);
    expect(await env.t.redis.hexists(keys.run('run_parent'), 'leaves')).toBe(0);
    expect(await store.createSubRunAndGet(child('run_a'), started, at)).toEqual(child('run_a'));
    expect(await store.createSubRunAndGet(child('run_b'), started, { ...at, step: 3 })).toBe(
      'orphaned',
    );
  });

  it('writes nothing once the parent has left the call, ended or is gone', async () => {
    const keys = env.fresh('sub-orphan');
    const store = new RunStore(env.t.redis, keys);
    const parents: [string, Partial<RunRecord>][] = [
      // Cancelled: a new step and no positions.
      ['run_moved', { status: 'undoing', state: 'contain', step: 3, leaves: {} }],
      // Gone on to another state.
      ['run_on', { state: 'notify', step: 3, leaves: { notify: 3 } }],
      // Ended while its leaves still name the call.
      ['run_ended', { status: 'cancelled', state: 'contain', step: 2, leaves: { contain: 2 } }],
    ];
    for (const [id, fields] of parents) await store.create(runRecord(id, fields), []);
    for (const parent of [...parents.map(([id]) => id), 'run_missing']) {
      const id = `run_child_of_${parent}`;
      expect(await store.createSubRunAndGet(child(id), started, { ...at, runId: parent })).toBe(
        'orphaned',
      );
      expect(await store.get(id)).toBeUndefined();
      expect(await store.timeline(id)).toEqual([]);
    }
    // A run created ended is not active.
    expect((await store.activeIds()).sort()).toEqual(['run_moved', 'run_on']);
  });
});
