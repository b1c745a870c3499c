import { describe, expect, it } from 'vitest';
import { playbookGraph } from '../../../../src/playbook/tooling/graph.js';
import { formatPlan, planRun } from '../../../../src/playbook/tooling/plan.js';
import {
  parsePlaybookTests,
  runPlaybookTest,
} from '../../../../src/playbook/tooling/playbook-tests.js';
import { simulate, type SimulationInput } from '../../../../src/playbook/tooling/simulate.js';
import { build, buildFile, playbook } from '../kinds/helpers.js';

// contain (join any): branch limit = throttle (automatic, undo, expires 1h) → ask_block →
// block (undo { action, with }, undo_on_reject) → limit_done; branch case = open_case →
// case_done. Then notify (join all): note_one | note_two. Then done.
const compiled = buildFile('test/fixtures/playbooks/valid/parallel-and-undo.yaml');
const INCIDENT = { id: 'inc-1', title: 'T', group: { api_key: 'k7' } };

function run(input: Partial<SimulationInput>) {
  return simulate(compiled, { incident: INCIDENT, replies: {}, script: [], startAt: 0, ...input });
}

describe('cordon graph of a parallel state', () => {
  const lines = playbookGraph(compiled.definition).split('\n');

  it('draws the branches as concurrent regions of a composite state, the join leaving it', () => {
    const contain = lines.indexOf('  state "contain" as contain {');
    const limit = lines.indexOf('    state "limit" as contain__limit {');
    const separator = lines.indexOf('    --');
    const caseBranch = lines.indexOf('    state "case" as contain__case {');
    expect(contain).toBeGreaterThan(0);
    expect([contain < limit, limit < separator, separator < caseBranch]).toEqual([
      true,
      true,
      true,
    ]);
    expect(lines).toContain('      [*] --> throttle');
    expect(lines).toContain('      ask_block --> block : approved');
    expect(lines).toContain('      limit_done --> [*]');
    // A branch action with no on_failure ends its branch, not the run.
    expect(lines).toContain(
      '      open_case --> [*] : failed (3 attempts, timeout 30s), branch fails',
    );
    expect(lines).toContain('  contain : parallel, join any');
    expect(lines).toContain('  contain --> notify : first branch resolved');
    expect(lines).toContain('  contain --> done : no branch resolved');
    expect(lines).toContain('  notify --> done : all branches resolved');
    expect(lines).toContain('  notify --> failed : a branch did not resolve');
    // Nested states keep their marks.
    expect(lines).toContain('  class throttle automatic');
    expect(lines).toContain('  class ask_block approval');
    // Every opened composite is closed.
    expect(lines.filter((l) => l.endsWith('{')).length).toBe(
      lines.filter((l) => l.trim() === '}').length,
    );
  });

  it('shows undo, expiry and undo on reject on action states', () => {
    expect(lines).toContain(
      '      throttle : ratelimit.set on gateway, undo ratelimit.clear, expires 1h',
    );
    expect(lines).toContain(
      '      block : ratelimit.set on gateway, undo ratelimit.clear, undone on reject',
    );
  });
});

describe('cordon plan of a parallel state', () => {
  const plan = planRun(compiled, INCIDENT);

  it('lists each combination of branch paths, joining as the join says', () => {
    const routes = plan.paths.map((p) =>
      p.hops.map((h) => `${h.branch ? `${h.branch}:` : ''}${h.state}`).join(' '),
    );
    expect(routes[0]).toBe(
      'contain limit:throttle limit:ask_block limit:block limit:limit_done case:open_case case:case_done notify one:note_one one:one_done two:note_two two:two_done done',
    );
    // join all: one branch failing fails the join (no on_failure: the run fails).
    const failedNotify = plan.paths.find((p) =>
      p.hops.some((h) => h.state === '__failed' && h.branch === 'two'),
    );
    expect(failedNotify?.hops.at(-1)).toEqual({
      state: '__failed',
      via: 'a branch did not resolve',
    });
    expect(failedNotify?.end).toEqual({ outcome: 'failed' });
    // join any: both branches failing takes on_failure (done).
    const both = routes.indexOf(
      'contain limit:throttle limit:__failed case:open_case case:__failed done',
    );
    expect(plan.paths[both]?.hops.at(-1)).toEqual({ state: 'done', via: 'no branch resolved' });
    expect(plan.paths[both]?.calls.map((c) => c.state)).toEqual(['throttle', 'open_case']);
  });

  it('gates and tags branch calls, shows undo and says that the parallel is summarised', () => {
    const [first] = plan.paths;
    expect(first?.calls.map((c) => [c.state, c.branch, c.gate])).toEqual([
      ['throttle', 'limit', { automatic: true }],
      ['block', 'limit', { approval: 'ask_block' }],
      ['open_case', 'case', { automatic: true }],
      ['note_one', 'one', { automatic: true }],
      ['note_two', 'two', { automatic: true }],
    ]);
    expect(first?.calls[0]?.undo).toEqual({ operation: 'ratelimit.clear', expiresMs: 3_600_000 });
    expect(first?.calls[1]?.undo).toEqual({ operation: 'ratelimit.clear', onReject: true });
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain(
      'Path 1 (ends resolved): contain {limit: throttle --succeeded--> ask_block --approved--> block --succeeded--> limit_done | case: open_case --succeeded--> case_done} --first branch resolved--> notify {one: note_one --succeeded--> one_done | two: note_two --succeeded--> two_done} --all branches resolved--> done',
    );
    expect(text).toContain(
      '  note: contain: branch limit resolves first and wins; case is withdrawn then, so a call of theirs marked "unless limit won first" happens only if made before that.',
    );
    expect(text).toContain(
      '  note: notify: branches run at the same time and every one runs to its end; their states and calls are listed branch by branch, not in the order they happen.',
    );
    expect(text).toContain(
      '  1. ratelimit.set on gateway (state throttle, branch limit) - AUTOMATIC, changes production',
    );
    expect(text).toContain('       undo: ratelimit.clear, expires 1h (undone then)');
    expect(text).toContain('       undo: ratelimit.clear, undone if a later approval is rejected');
  });
});

describe('cordon plan: who wins a join any, and the expiries a path leaves', () => {
  const plan = planRun(compiled, INCIDENT);
  const route = (p: (typeof plan.paths)[number]) =>
    p.hops.map((h) => `${h.branch ? `${h.branch}:` : ''}${h.state}`).join(' ');
  const resolvedBoth = plan.paths.filter((p) =>
    route(p).startsWith(
      'contain limit:throttle limit:ask_block limit:block limit:limit_done case:open_case case:case_done notify one:note_one one:one_done two:note_two two:two_done done',
    ),
  );

  it("both branches can resolve: one path per winner, the loser's calls made only before it", () => {
    expect(resolvedBoth).toHaveLength(2);
    const [limitWins, caseWins] = resolvedBoth;
    expect(limitWins?.calls.map((c) => [c.state, c.unlessWon])).toEqual([
      ['throttle', undefined],
      ['block', undefined],
      ['open_case', 'limit'],
      ['note_one', undefined],
      ['note_two', undefined],
    ]);
    expect(caseWins?.calls.map((c) => [c.state, c.unlessWon])).toEqual([
      ['throttle', 'case'],
      ['block', 'case'],
      ['open_case', undefined],
      ['note_one', undefined],
      ['note_two', undefined],
    ]);
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain(
      '  1. ratelimit.set on gateway (state throttle, branch limit) - AUTOMATIC, changes production - unless case won first',
    );
  });

  it('only a branch that resolves can win; a loser is listed once per list of calls it can make', () => {
    const caseWins = plan.paths.filter((p) => p.notes[0]?.includes('branch case resolves first'));
    expect(caseWins.length).toBeGreaterThan(0);
    // Where case wins it reached case_done; a case that failed never wins.
    for (const p of caseWins) {
      expect(p.hops.filter((h) => h.branch === 'case').map((h) => h.state)).toEqual([
        'open_case',
        'case_done',
      ]);
      expect(p.calls.find((c) => c.state === 'throttle')?.unlessWon).toBe('case');
      // notify (join all) marks nothing.
      expect(
        p.calls.filter((c) => c.branch === 'one' || c.branch === 'two').map((c) => c.unlessWon),
      ).toEqual([undefined, undefined]);
    }
    // The loser limit (cut when case resolves) can make [throttle] or [throttle, block]: each
    // once per way on past notify, however limit would have ended.
    const lists = caseWins
      .filter((p) => route(p).endsWith('two:two_done done'))
      .map((p) =>
        p.calls
          .filter((c) => c.branch === 'limit')
          .map((c) => c.state)
          .join(','),
      );
    expect(lists.sort()).toEqual(['throttle', 'throttle,block']);
    // Neither resolves: no winner, every call made, the join's failure exit.
    const neither = plan.paths.find(
      (p) => route(p) === 'contain limit:throttle limit:__failed case:open_case case:__failed done',
    );
    expect(neither?.notes[0]).toBe(
      'contain: no branch resolves: every branch runs to its end, then the join fails.',
    );
    expect(neither?.calls.map((c) => c.unlessWon)).toEqual([undefined, undefined]);
  });

  it('a path that ends leaves its expiring calls to their expiries; a failed one undid them', () => {
    const [limitWins, caseWins] = resolvedBoth;
    expect(limitWins?.expiries).toEqual([
      {
        state: 'throttle',
        operation: 'ratelimit.set',
        undo: 'ratelimit.clear',
        afterMs: 3_600_000,
      },
    ]);
    expect(caseWins?.expiries[0]?.unlessWon).toBe('case');
    const failed = plan.paths.filter((p) => 'outcome' in p.end && p.end.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const p of failed) expect(p.expiries).toEqual([]);
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain(
      '  after 1h: ratelimit.clear takes back ratelimit.set (state throttle, expiry)\n',
    );
    expect(text).toContain(
      '  after 1h: ratelimit.clear takes back ratelimit.set (state throttle, expiry) if it was made (unless case won first)',
    );
    expect(text).toContain('ratelimit.clear (state throttle, if made: unless case won first)');
  });
});

describe('simulate() and playbook tests through a parallel state', () => {
  it('answers each branch as it runs: the case branch resolves first and wins the any join', () => {
    const r = run({});
    expect(r.calls.map((c) => c.state)).toEqual(['throttle', 'open_case', 'note_one', 'note_two']);
    expect(r.path).toEqual([
      'contain',
      'throttle',
      'open_case',
      'ask_block',
      'notify',
      'note_one',
      'note_two',
      'done',
    ]);
    expect([r.status, r.state, r.problems]).toEqual(['resolved', 'done', []]);
  });

  it('rests inside the parallel state until a branch approval is decided', () => {
    const r = run({ replies: { open_case: [{ ok: false, code: 'E', message: 'down' }] } });
    expect([r.status, r.state]).toEqual(['waiting', 'contain']);
    const approved = run({
      replies: { open_case: [{ ok: false, code: 'E', message: 'down' }] },
      script: [{ approve: 'ask_block', by: ['alice'] }],
    });
    expect(approved.calls.map((c) => c.state)).toEqual([
      'throttle',
      'open_case',
      'block',
      'note_one',
      'note_two',
    ]);
    expect([approved.status, approved.problems]).toEqual(['resolved', []]);
    const wrong = run({
      replies: { open_case: [{ ok: false, code: 'E', message: 'down' }] },
      script: [{ approve: 'open_case', by: ['alice'] }],
    });
    expect(wrong.problems[0]).toBe(
      'The script says approve open_case, but the run rests at "ask_block".',
    );
  });

  it("a branch approval's timeout fires on the fake clock after the other branch moved", () => {
    const down = { ok: false as const, code: 'E', message: 'down' };
    const early = run({ replies: { open_case: [down] }, script: [{ advanceMs: 29 * 60_000 }] });
    expect([early.status, early.state]).toEqual(['waiting', 'contain']);
    const late = run({ replies: { open_case: [down] }, script: [{ advanceMs: 30 * 60_000 }] });
    expect(late.path).toEqual([
      'contain',
      'throttle',
      'open_case',
      'ask_block',
      'notify',
      'note_one',
      'note_two',
      'done',
    ]);
    expect(late.calls.filter((c) => !c.undoOf).map((c) => c.at)).toEqual([
      0,
      0,
      30 * 60_000,
      30 * 60_000,
    ]);
    expect([late.status, late.problems]).toEqual(['resolved', []]);
  });

  it('a branch failing a join all fails the run; both failing a join any takes on_failure', () => {
    const failed = run({ replies: { note_two: [{ ok: false, code: 'E', message: 'down' }] } });
    expect([failed.status, failed.state]).toEqual(['failed', '__failed']);
    const down = { ok: false as const, code: 'E', message: 'down' };
    const neither = run({ replies: { throttle: [down], open_case: [down] } });
    expect(neither.path).toEqual(['contain', 'throttle', 'open_case', 'done']);
    expect(neither.status).toBe('resolved');
  });

  it('a playbook test names branch states in its replies, script and expected path', () => {
    const { tests, diagnostics } = parsePlaybookTests(
      't.test.yaml',
      `tests:
  - name: the case branch is down, the throttle branch is approved
    incident: { id: inc-1, title: T, group: { api_key: k7 } }
    replies: { open_case: { error: CORDON_ERR_DOWN, message: down } }
    script: [ { approve: ask_block, by: [alice] } ]
    expect:
      path: [contain, throttle, open_case, ask_block, block, notify, note_one, note_two, done]
      status: resolved
`,
    );
    expect(diagnostics).toEqual([]);
    const outcome = runPlaybookTest(compiled, tests!.cases[0]!);
    expect(outcome.problems).toEqual([]);
  });
});

describe('simulate() takes effects back as the runner does', () => {
  const undoCalls = (calls: readonly { operation: string; state: string; undoOf?: string }[]) =>
    calls.filter((c) => c.undoOf).map((c) => [c.operation, c.state, c.undoOf]);

  it('expires: the throttle is undone when its time comes, after the run resolved', () => {
    const early = run({ script: [{ advanceMs: 59 * 60_000 }] });
    expect(undoCalls(early.calls)).toEqual([]);
    const late = run({ script: [{ advanceMs: 2 * 3_600_000 }] });
    expect(undoCalls(late.calls)).toEqual([['ratelimit.clear', 'throttle', 'expiry']]);
    expect(late.calls.at(-1)).toMatchObject({ at: 3_600_000, inputs: { key: 'k7' } });
    expect([late.status, late.problems]).toEqual(['resolved', []]);
  });

  it('the run failing takes back every applied effect, newest first', () => {
    const down = { ok: false as const, code: 'E', message: 'down' };
    const r = run({
      replies: { open_case: [down], note_two: [down] },
      script: [{ approve: 'ask_block', by: ['alice'] }],
    });
    expect(r.status).toBe('failed');
    expect(undoCalls(r.calls)).toEqual([
      ['ratelimit.clear', 'block', 'failed'],
      ['ratelimit.clear', 'throttle', 'failed'],
    ]);
    // block's undo has inputs of its own ({ action, with }); throttle's reuses its inputs.
    expect(r.calls.filter((c) => c.undoOf).map((c) => c.inputs)).toEqual([
      { key: 'ip-k7', reason: 'playbook undo' },
      { key: 'k7' },
    ]);
  });

  it('undo_on_reject: a later rejection takes the step back; approval keeps it', () => {
    const { playbooks } = build(
      playbook(
        'throttle',
        `  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: 10/m }
    undo: ratelimit.clear
    undo_on_reject: true
    next: ask
  ask:
    approval: { timeout: 30m }
    on: { approved: done, rejected: done }
  done: { end: resolved }
`,
      ),
    );
    const pb = playbooks![0]!;
    const base = { incident: INCIDENT, replies: {}, startAt: 0 };
    const rejected = simulate(pb, { ...base, script: [{ reject: 'ask', by: ['bob'] }] });
    expect(undoCalls(rejected.calls)).toEqual([['ratelimit.clear', 'throttle', 'rejected']]);
    const approved = simulate(pb, { ...base, script: [{ approve: 'ask', by: ['bob'] }] });
    expect(undoCalls(approved.calls)).toEqual([]);
  });
});

describe('cordon plan lists the undos a path performs', () => {
  it('a failing path takes back every applied effect newest first; a failed action has none', () => {
    const shipped = planRun(buildFile('playbooks/contain-abusive-key.yaml'), {
      ...INCIDENT,
      group: { api_key: 'key-7' },
    });
    const undone = shipped.paths.map((p) => [p.hops.map((h) => h.state).join(' '), p.undone]);
    expect(undone).toContainEqual([
      'throttle ask_case open_case __failed',
      [{ state: 'throttle', operation: 'ratelimit.clear', reason: 'failed' }],
    ]);
    expect(undone).toContainEqual(['throttle __failed', []]);
    expect(undone).toContainEqual(['throttle ask_case closed_without_case', []]);
    const text = formatPlan(shipped, 'inc-1');
    expect(text).toContain(
      '  the run fails, taking back (newest first): ratelimit.clear (state throttle)',
    );

    const inParallel = planRun(compiled, INCIDENT).paths[1];
    expect(inParallel?.end).toEqual({ outcome: 'failed' });
    expect(inParallel?.undone.map((u) => [u.state, u.reason])).toEqual([
      ['block', 'failed'],
      ['throttle', 'failed'],
    ]);
  });

  it('a rejection takes back the earlier steps marked undo_on_reject', () => {
    const { playbooks } = build(
      playbook(
        'throttle',
        `  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: 10/m }
    undo: ratelimit.clear
    undo_on_reject: true
    next: ask
  ask:
    approval: { timeout: 30m }
    on: { approved: done, rejected: done }
  done: { end: resolved }
`,
      ),
    );
    const plan = planRun(playbooks![0]!, INCIDENT);
    const byVia = Object.fromEntries(plan.paths.map((p) => [p.hops.at(-1)?.via, p.undone]));
    expect(byVia.rejected).toEqual([
      { state: 'throttle', operation: 'ratelimit.clear', reason: 'rejected' },
    ]);
    expect(byVia.approved).toEqual([]);
    expect(formatPlan(plan, 'inc-1')).toContain(
      '  a rejection takes back: ratelimit.clear (state throttle)',
    );
  });
});

describe('playbook tests script the order of branch answers, a cancel and a failing undo', () => {
  const undoCalls = (calls: readonly { operation: string; state: string; undoOf?: string }[]) =>
    calls.filter((c) => c.undoOf).map((c) => [c.operation, c.state, c.undoOf]);
  const down = { ok: false as const, code: 'E', message: 'down' };

  it('answer: the case branch comes back first, wins the any join, and no throttle is made', () => {
    const r = run({ script: [{ answer: 'open_case' }] });
    expect(r.calls.map((c) => c.state)).toEqual(['open_case', 'note_one', 'note_two']);
    expect([r.status, r.problems]).toEqual(['resolved', []]);
    const two = run({ script: [{ answer: 'note_two' }] });
    expect(two.calls.map((c) => c.state)).toEqual([
      'throttle',
      'open_case',
      'note_two',
      'note_one',
    ]);
    // A state with no call waiting is a problem the test reports.
    const wrong = run({ script: [{ answer: 'nowhere' }] });
    expect(wrong.problems.join(' ')).toContain('answer nowhere');
  });

  it('cancel: the run ends cancelled where it rests and takes back what it did', () => {
    // The case branch fails, so the any join waits on the throttle branch's approval.
    const r = run({
      replies: { open_case: [down] },
      script: [{ advanceMs: 60_000 }, { cancel: true, by: ['bob'] }],
    });
    expect(r.status).toBe('cancelled');
    expect(undoCalls(r.calls)).toEqual([['ratelimit.clear', 'throttle', 'cancelled']]);
    expect(r.undoFailed).toEqual([]);
    // Nothing is left to do after a cancel: a later step is reported.
    const after = run({
      replies: { open_case: [down] },
      script: [
        { cancel: true, by: ['bob'] },
        { approve: 'ask_block', by: ['alice'] },
      ],
    });
    expect(after.problems.join(' ')).toContain('ended with script steps left: approve ask_block');
  });

  it('undo_replies: a failing undo is reported and the other undos still run', () => {
    // The run fails (a note is down) after the block: both undos run, the block's failing.
    const r = run({
      replies: { open_case: [down], note_two: [down] },
      undoReplies: { block: { ok: false, code: 'CORDON_ERR_ACTION_UPSTREAM', message: '503' } },
      script: [{ approve: 'ask_block', by: ['alice'] }],
    });
    expect(r.status).toBe('failed');
    expect(r.undoFailed).toEqual(['block']);
    expect(undoCalls(r.calls)).toEqual([
      ['ratelimit.clear', 'block', 'failed'],
      ['ratelimit.clear', 'throttle', 'failed'],
    ]);
    expect(r.calls.find((c) => c.undoOf && c.state === 'block')?.reply).toEqual({
      ok: false,
      code: 'CORDON_ERR_ACTION_UPSTREAM',
      message: '503',
    });
  });

  it('the test language: cancel, answer, undo_replies and expect.undo_failed', () => {
    const file = parsePlaybookTests(
      'x.test.yaml',
      `tests:
  - name: cancelled while the approval waits, the throttle's undo failing
    incident: { id: inc-1, title: T, group: { api_key: k7 } }
    replies: { open_case: { error: E } }
    undo_replies: { throttle: { error: CORDON_ERR_ACTION_UPSTREAM, message: "503" } }
    script:
      - answer: open_case
      - cancel: true
        by: bob
    expect:
      status: cancelled
      undo_failed: [throttle]
      calls:
        - { state: open_case, operation: ticket.open }
        - { state: throttle, operation: ratelimit.set }
        - { state: throttle, operation: ratelimit.clear }
`,
    );
    expect(file.diagnostics).toEqual([]);
    const outcome = runPlaybookTest(compiled, file.tests?.cases[0] as never);
    expect(outcome.problems).toEqual([]);
    expect(outcome.passed).toBe(true);
    const bad = parsePlaybookTests(
      'x.test.yaml',
      `tests:
  - name: x
    incident: {}
    script: [ { cancel: yes please } ]
    expect: { status: cancelled }
`,
    );
    expect(bad.diagnostics.map((d) => d.message).join(' ')).toContain('Write "- cancel: true"');
  });
});
