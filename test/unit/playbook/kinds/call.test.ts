import { describe, expect, it } from 'vitest';
import { callSchema } from '../../../../src/playbook/kinds/call/call-tooling.js';
import { playbookGraph } from '../../../../src/playbook/tooling/graph.js';
import { formatPlan, planRun, type PlanOptions } from '../../../../src/playbook/tooling/plan.js';
import {
  parsePlaybookTests,
  runPlaybookTest,
} from '../../../../src/playbook/tooling/playbook-tests.js';
import { simulate } from '../../../../src/playbook/tooling/simulate.js';
import { build, errors, Run, T0 } from './helpers.js';

/**
 * `call`: validated against the other playbooks of the set (unknown id, cycles, depth, declared
 * inputs), compiled to a state that rests until one `call.ended` event, and shown by the tools.
 */
const parent = (call: string, extra = ''): string => `id: parent
on:
  correlation: model_extraction_by_query_volume
start: contain
states:
  contain:
    call:
${call}
    next: done
    on_failure: broken
  done: { end: resolved }
  broken: { end: failed }
${extra}`;

const child = (
  id: string,
  body = '',
  inputs = 'inputs:\n  key: { description: The API key. }\n  reason: { required: false }\n',
): string => `---
id: ${id}
on: { call: true }
${inputs}start: case
states:
${body}  case:
    action: ticket.open
    with: { summary: "case {{ run.inputs.key }}" }
    next: done
  done: { end: resolved }
`;

const GOOD_CALL = `      playbook: open-case
      inputs: { key: "{{ incident.group.api_key }}" }
      outputs: { ticket: "{{ steps.case.result }}", outcome: "{{ run.outcome }}" }
      timeout: 10m`;

describe('call validation', () => {
  it('accepts a call of a playbook declared later in the set', () => {
    const built = build(parent(GOOD_CALL) + child('open-case'));
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const def = built.playbooks?.[0]?.definition.states.contain;
    expect(def).toMatchObject({
      kind: 'call',
      playbook: 'open-case',
      timeoutMs: 600_000,
      next: 'done',
      onFailure: 'broken',
    });
    expect(built.playbooks?.[1]?.definition.inputs).toEqual({
      key: { required: true, description: 'The API key.' },
      reason: { required: false, description: '' },
    });
  });

  it('names the known playbooks when the id is unknown, with its location', () => {
    const found = errors(parent(GOOD_CALL.replace('open-case', 'open-cse')) + child('open-case'));
    expect(found).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_CALL',
        path: 'states.contain.call.playbook',
        line: 8,
        column: 17,
        message:
          'State "contain" calls playbook "open-cse", which no file in playbooks/ defines. Did you mean "open-case"?',
      }),
    ]);
  });

  it('rejects a call cycle with its path (A calls B calls A)', () => {
    const back = `  back:\n    call: { playbook: parent, inputs: {} }\n    next: case\n`;
    const found = errors(
      parent(GOOD_CALL) + child('open-case', back).replace('start: case', 'start: back'),
    );
    expect(found).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_CALL',
        path: 'states.contain.call.playbook',
        line: 8,
        message: expect.stringContaining('closes a call cycle: parent → open-case → parent'),
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({
        path: 'states.back.call.playbook',
        message: expect.stringContaining('open-case → parent → open-case'),
      }),
    );
  });

  it('rejects calls nested deeper than the limit, naming the chain', () => {
    const hop = (id: string, next: string): string =>
      `---\nid: ${id}\non: { call: true }\nstart: go\nstates:\n  go:\n    call: { playbook: ${next} }\n    next: done\n  done: { end: resolved }\n`;
    const text =
      parent('      playbook: l1') +
      hop('l1', 'l2') +
      hop('l2', 'l3') +
      hop('l3', 'l4') +
      hop('l4', 'l5') +
      '---\nid: l5\non: { call: true }\nstart: done\nstates:\n  done: { end: resolved }\n';
    expect(errors(text)).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_CALL',
        path: 'states.contain.call.playbook',
        message: expect.stringContaining(
          'making calls nest 5 deep (parent → l1 → l2 → l3 → l4 → l5); at most 4 are allowed',
        ),
      }),
    ]);
  });

  it('checks inputs against what the called playbook declares', () => {
    const call = `      playbook: open-case
      inputs: { kye: "{{ incident.group.api_key }}" }`;
    const found = errors(parent(call) + child('open-case'));
    expect(found).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_CALL',
        path: 'states.contain.call.inputs.kye',
        line: 9,
        column: 17,
        message:
          'State "contain" passes input "kye" to playbook "open-case", which does not declare it. Did you mean "key"?',
      }),
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_CALL',
        path: 'states.contain.call.inputs',
        message: expect.stringContaining(
          'does not pass "key", which playbook "open-case" requires',
        ),
      }),
    ]);
  });

  it('checks output templates against the called playbook’s steps and input reads', () => {
    const call = `      playbook: open-case
      inputs: { key: x }
      outputs: { ticket: "{{ steps.cse.result }}" }`;
    expect(errors(parent(call) + child('open-case'))).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
        path: 'states.contain.call.outputs.ticket',
        message: expect.stringContaining('"cse", which is not a step of the called playbook'),
      }),
    ]);
    const undeclared = child('open-case', '', '');
    expect(errors(parent('      playbook: open-case') + undeclared)).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
        path: 'states.case.with.summary',
        message: expect.stringContaining('the playbook declares none'),
      }),
    );
  });

  it('refuses a bad version, an unknown key and on.call that is not true', () => {
    const call = `      playbook: open-case
      version: v2
      inputs: { key: x }
      retries: 3`;
    const found = errors(
      parent(call) + child('open-case').replace('on: { call: true }', 'on: { call: yes-please }'),
    );
    expect(found.map((d) => [d.code, d.path])).toEqual([
      ['CORDON_ERR_DEFINITION_UNKNOWN_KEY', 'states.contain.call.retries'],
      ['CORDON_ERR_DEFINITION_VALUE', 'states.contain.call.version'],
      ['CORDON_ERR_PLAYBOOK_TRIGGER', 'on.call'],
    ]);
  });
});

describe('call machine', () => {
  const compiled = () => {
    const { playbooks, diagnostics } = build(parent(GOOD_CALL) + child('open-case'));
    if (!playbooks?.[0]) throw new Error(JSON.stringify(diagnostics));
    return playbooks[0];
  };

  it('asks for the call effect on entry and a timeout timer', () => {
    const run = new Run(compiled(), { group: { api_key: 'k' } });
    expect(run.state).toBe('contain');
    expect(run.effects.map((e) => e.kind).sort()).toEqual(['call', 'timer']);
  });

  it('keeps the outputs under steps.<state> and goes on when the child resolved', () => {
    const run = new Run(compiled(), { group: { api_key: 'k' } }).send(
      {
        type: 'call.ended',
        state: 'contain',
        child: 'c1',
        outcome: 'resolved',
        outputs: { ticket: { id: 'T-1' } },
      },
      T0 + 1,
    );
    expect(run.state).toBe('done');
    expect(run.context.steps.contain).toEqual({
      status: 'succeeded',
      result: { ticket: { id: 'T-1' } },
      attempts: 1,
    });
  });

  it('takes on_failure when the child failed, was cancelled or timed out', () => {
    for (const outcome of ['failed', 'cancelled']) {
      const run = new Run(compiled(), {}).send(
        { type: 'call.ended', state: 'contain', child: 'c1', outcome },
        T0 + 1,
      );
      expect(run.state).toBe('broken');
      expect(run.context.steps.contain?.error?.message).toBe(`sub-run c1 ended ${outcome}`);
    }
    const run = new Run(compiled(), {});
    const timer = run.effects.find((e) => e.kind === 'timer') as { event: { type: string } };
    run.send({ type: timer.event.type } as never, T0 + 600_000);
    expect(run.state).toBe('broken');
    expect(run.context.steps.contain?.error?.message).toContain('did not end within 10m');
  });

  it('ignores the end of a call of another state', () => {
    const run = new Run(compiled(), {}).send(
      { type: 'call.ended', state: 'elsewhere', child: 'c1', outcome: 'resolved' },
      T0 + 1,
    );
    expect(run.state).toBe('contain');
  });
});

describe('call tooling', () => {
  const compiled = () => build(parent(GOOD_CALL) + child('open-case')).playbooks?.[0];

  it('draws the call with its ways out', () => {
    const text = playbookGraph(compiled()!.definition);
    expect(text).toContain('  contain --> done : sub-run resolved');
    expect(text).toContain('  contain --> broken : sub-run failed or cancelled, timeout 10m');
    expect(text).toContain('  contain : call open-case');
    expect(text).toContain('  class contain call');
  });

  it('plans the call with rendered inputs and every way out', () => {
    const plan = planRun(compiled()!, { id: 'inc-1', group: { api_key: 'key-7' } });
    expect(plan.paths.map((p) => p.hops.map((h) => `${h.via ?? ''}>${h.state}`).join(' '))).toEqual(
      ['>contain succeeded>done', '>contain failed>broken', '>contain timeout>broken'],
    );
    expect(plan.paths[0]?.calls[0]).toMatchObject({
      operation: 'playbook.call',
      connector: 'open-case',
      inputs: { key: 'key-7' },
    });
    expect(formatPlan(plan, 'inc-1')).toContain('playbook.call on open-case (state contain)');
  });

  it('plans the sub-run once, for every path that makes the call, when the plan sees the other playbooks', () => {
    const set = build(parent(GOOD_CALL) + child('open-case')).playbooks ?? [];
    const incident = { id: 'inc-1', group: { api_key: 'key-7' } };
    const plan = planRun(set[0]!, incident, T0, { playbooks: set });
    const sub = plan.paths[0]?.calls[0]?.sub;
    expect(sub).toMatchObject({ run: 'S1' });
    expect(Object.keys(plan.subRuns ?? {})).toEqual(['S1']);
    expect(plan.subRuns?.S1?.playbook).toBe('open-case');
    // The child's own action, rendered with the inputs the call passes.
    expect(plan.subRuns?.S1?.paths[0]?.calls[0]).toMatchObject({
      operation: 'ticket.open',
      inputs: { summary: 'case key-7' },
    });
    for (const path of plan.paths) expect(path.calls[0]?.sub).toMatchObject({ run: 'S1' });
    const text = formatPlan(plan, 'inc-1');
    expect(text.match(/sub-run S1: its paths and calls are under "Sub-run S1"/g)).toHaveLength(3);
    expect(
      text.match(/^Sub-run S1: playbook open-case \(version \w{12}\), 2 path\(s\):$/gm),
    ).toHaveLength(1);
    expect(text).toContain('\n| Path 1 (ends resolved): case --succeeded--> done\n');
    expect(text).toContain('\n|   1. ticket.open on');
    expect(text).toContain('\n|        summary: "case key-7"\n');
  });

  it("joins each way out of the call to the sub-run's paths that lead to it", () => {
    const set = build(parent(GOOD_CALL) + child('open-case')).playbooks ?? [];
    const plan = planRun(set[0]!, { id: 'inc-1', group: { api_key: 'key-7' } }, T0, {
      playbooks: set,
    });
    // S1: path 1 opens the case and resolves, path 2 fails when the ticket cannot be opened.
    expect(plan.subRuns?.S1?.paths.map((p) => p.end)).toEqual([
      { outcome: 'resolved' },
      { outcome: 'failed' },
    ]);
    expect(plan.paths.map((p) => p.calls[0]?.sub)).toEqual([
      { run: 'S1', join: { via: 'succeeded', subPaths: [1] } },
      { run: 'S1', join: { via: 'failed', subPaths: [2] } },
      { run: 'S1' },
    ]);
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain('\n       this path: when S1 resolves (its path 1)\n');
    expect(text).toContain(
      '\n       this path: when S1 fails (its path 2) or is cancelled, or its outputs do not render\n',
    );
    expect(plan.leftOut).toBeUndefined();
  });

  it('leaves out a way out of the call that the sub-run can never take, and says why', () => {
    const neverResolves = `---
id: open-case
on: { call: true }
inputs:
  key: { description: The API key. }
start: case
states:
  case:
    action: ticket.open
    with: { summary: "case {{ run.inputs.key }}" }
    next: gave_up
  gave_up: { end: failed }
`;
    const set = build(parent(GOOD_CALL) + neverResolves).playbooks ?? [];
    const plan = planRun(set[0]!, { id: 'inc-1', group: { api_key: 'key-7' } }, T0, {
      playbooks: set,
    });
    expect(plan.paths.map((p) => p.hops.map((h) => `${h.via ?? ''}>${h.state}`).join(' '))).toEqual(
      ['>contain failed>broken', '>contain timeout>broken'],
    );
    expect(plan.paths[0]?.calls[0]?.sub).toEqual({
      run: 'S1',
      join: { via: 'failed', subPaths: [1, 2] },
    });
    expect(plan.leftOut).toEqual([
      '1 path(s) leaving state "contain" as its sub-run S1 resolves, which none of S1\'s paths does',
    ]);
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain('\nLeft out: 1 path(s) leaving state "contain" as its sub-run S1');
    expect(text).toContain('this path: when S1 fails (its paths 1, 2) or is cancelled');
    // A losing branch of a join \`any\` is withdrawn: its call's way out decides nothing, and
    // the path where the other branch wins stays.
    const race = `id: parent
on:
  correlation: model_extraction_by_query_volume
start: contain
states:
  contain:
    parallel:
      join: any
      branches:
        quick:
          start: throttle
          states:
            throttle:
              action: ratelimit.set
              automatic: true
              with: { key: k, limit: 10/m }
              next: quick_done
            quick_done: { end: resolved }
        slow:
          start: escalate
          states:
            escalate:
              call: { playbook: open-case, inputs: { key: k } }
              next: slow_done
              on_failure: slow_failed
            slow_done: { end: resolved }
            slow_failed: { end: failed }
    next: done
    on_failure: broken
  done: { end: resolved }
  broken: { end: failed }
`;
    const raced = build(race + neverResolves).playbooks ?? [];
    const bare = planRun(raced[0]!, { id: 'inc-1' }, T0);
    const joined = planRun(raced[0]!, { id: 'inc-1' }, T0, { playbooks: raced });
    const ends = (p: typeof bare) =>
      p.paths.map((x) => ('outcome' in x.end ? x.end.outcome : 'loop')).join(',');
    expect(ends(joined)).toContain('resolved');
    expect(joined.paths.length).toBeLessThanOrEqual(bare.paths.length);
    for (const path of joined.paths)
      for (const call of path.calls)
        if (call.unlessWon !== undefined) expect(call.sub).toEqual({ run: 'S1' });

    // A sub-run that always resolves: its failure exit is left only to a cancel.
    const alwaysResolves = child('open-case').replace(
      '    next: done\n',
      '    next: done\n    on_failure: done\n',
    );
    const resolving = build(parent(GOOD_CALL) + alwaysResolves).playbooks ?? [];
    const text2 = formatPlan(
      planRun(resolving[0]!, { id: 'inc-1', group: { api_key: 'key-7' } }, T0, {
        playbooks: resolving,
      }),
      'inc-1',
    );
    expect(text2).toContain(
      'this path: only when S1 is cancelled or its outputs do not render (no path of S1 ends failed)',
    );
    expect(text2).toContain('this path: when S1 resolves (its paths 1, 2)');
  });

  it('lists each distinct sub-run once, however many paths and nested calls start it', () => {
    // p0 → p1 → p2, each a chain of three calls whose every way out goes on: 27 paths at the top.
    const chain = (id: string, calls: string | undefined, first: boolean): string => {
      const states = [0, 1, 2]
        .map((i) => {
          const to = i < 2 ? `s${i + 1}` : 'done';
          return calls
            ? `  s${i}:\n    call: { playbook: ${calls}, timeout: 1m }\n    next: ${to}\n    on_failure: ${to}\n`
            : `  s${i}:\n    action: ticket.open\n    with: { summary: "step ${i}" }\n    next: ${to}\n    on_failure: ${to}\n`;
        })
        .join('');
      const on = first
        ? 'on:\n  correlation: model_extraction_by_query_volume\n'
        : 'on: { call: true }\n';
      return `${first ? '' : '---\n'}id: ${id}\n${on}start: s0\nstates:\n${states}  done: { end: resolved }\n`;
    };
    const set =
      build(chain('p0', 'p1', true) + chain('p1', 'p2', false) + chain('p2', undefined, false))
        .playbooks ?? [];
    const plan = planRun(
      set.find((p) => p.definition.id === 'p0')!,
      { id: 'inc-1' },
      T0,
      {
        playbooks: set,
      },
    );
    expect(plan.paths).toHaveLength(27);
    expect(Object.entries(plan.subRuns ?? {}).map(([k, p]) => `${k}:${p.playbook}`)).toEqual([
      'S1:p1',
      'S2:p2',
    ]);
    expect(plan.subRuns?.S1?.paths[0]?.calls[0]?.sub).toEqual({
      run: 'S2',
      // p2's eight paths (each action succeeds or fails, and goes on) all resolve.
      join: { via: 'succeeded', subPaths: [1, 2, 3, 4, 5, 6, 7, 8] },
    });
    // Each sub-run is printed once: the text stays in proportion to the distinct plans.
    expect(formatPlan(plan, 'inc-1').split('\n').length).toBeLessThan(2_000);
  });

  it('plans at most 64 distinct sub-runs for one plan, and says so for the rest', () => {
    // Seventy calls of one playbook, each with inputs of its own: seventy distinct sub-runs.
    const states = Array.from(
      { length: 70 },
      (_, i) =>
        `  s${i}:\n    call: { playbook: open-case, inputs: { key: "k${i}" } }\n    next: ${i < 69 ? `s${i + 1}` : 'done'}\n`,
    ).join('');
    const many = `id: parent
on:
  correlation: model_extraction_by_query_volume
start: s0
states:
${states}  done: { end: resolved }
`;
    const set = build(many + child('open-case')).playbooks ?? [];
    const plan = planRun(set[0]!, { id: 'inc-1' }, T0, { playbooks: set });
    expect(Object.keys(plan.subRuns ?? {})).toHaveLength(64);
    const calls = plan.paths[0]?.calls ?? [];
    expect(calls).toHaveLength(70);
    expect(calls[63]?.sub).toMatchObject({ run: 'S64' });
    expect(calls[64]?.sub).toEqual({
      unplanned: 'more than 64 distinct sub-runs; the first are listed',
    });
    expect(formatPlan(plan, 'inc-1')).toContain(
      'sub-run not planned: more than 64 distinct sub-runs; the first are listed',
    );
  });

  it('refuses a call whose inputs do not render from the incident, as the runner does', () => {
    const set =
      build(
        parent(GOOD_CALL.replace('incident.group.api_key', 'incident.aggregate.driver')) +
          child('open-case'),
      ).playbooks ?? [];
    const plan = planRun(set[0]!, { id: 'inc-1', group: { api_key: 'key-7' } }, T0, {
      playbooks: set,
    });
    // Only the ways a refused call can go: it fails (no sub-run, no timeout).
    expect(plan.paths.map((p) => p.hops.map((h) => `${h.via ?? ''}>${h.state}`).join(' '))).toEqual(
      ['>contain failed>broken'],
    );
    expect(plan.paths[0]?.calls[0]?.refused?.message).toMatch(
      /^State "contain": the call inputs do not render: /,
    );
    expect(plan.paths[0]?.calls[0]?.sub).toEqual({
      unplanned: 'the runner refuses the call (above), so no sub-run starts',
    });
  });

  it('says why a sub-run is not planned: unknown, another version pinned, inputs not known yet, too deep', () => {
    const set = build(parent(GOOD_CALL) + child('open-case')).playbooks ?? [];
    const incident = { id: 'inc-1', group: { api_key: 'key-7' } };
    const unplanned = (
      options: (set: readonly NonNullable<ReturnType<typeof compiled>>[]) => PlanOptions,
      call = GOOD_CALL,
      caller = parent,
    ) => {
      const playbooks = build(caller(call) + child('open-case')).playbooks ?? [];
      const sub = planRun(playbooks[0]!, incident, T0, options(playbooks)).paths[0]?.calls.find(
        (c) => c.operation === 'playbook.call',
      )?.sub;
      return sub && 'unplanned' in sub ? sub.unplanned : sub;
    };
    expect(unplanned(() => ({ playbooks: [set[0]!] }))).toBe(
      'playbook "open-case" is not among the playbooks',
    );
    expect(unplanned((p) => ({ playbooks: p, depth: 4 }))).toMatch(/calls nest deeper than 4/);
    const pinned = `${GOOD_CALL}\n      version: ${'a'.repeat(64)}`;
    expect(unplanned((p) => ({ playbooks: p }), pinned)).toMatch(
      /pins version aaaaaaaaaaaa of "open-case", and the playbooks hold /,
    );
    // An input read from an earlier step's result is known only when the run gets there.
    const afterLook = (call: string) =>
      parent(call)
        .replace('start: contain', 'start: look')
        .replace(
          'states:\n',
          'states:\n  look:\n    action: ticket.open\n    with: { summary: x }\n    next: contain\n',
        );
    const fromStep = GOOD_CALL.replace(
      '{{ incident.group.api_key }}',
      '{{ steps.look.result.key }}',
    );
    expect(unplanned((p) => ({ playbooks: p }), fromStep, afterLook)).toBe(
      'its inputs key are known only when the step runs',
    );
    expect(formatPlan(planRun(set[0]!, incident, T0, { playbooks: [set[0]!] }), 'inc-1')).toContain(
      '       sub-run not planned: playbook "open-case" is not among the playbooks',
    );
  });

  it('simulates a scripted child outcome: the reply is the outputs, or the failure', () => {
    const ok = simulate(compiled()!, {
      incident: { group: { api_key: 'k' } },
      replies: { contain: [{ ok: true, result: { ticket: 'T-9' } }] },
      script: [],
      startAt: T0,
    });
    expect(ok.path).toEqual(['contain', 'done']);
    expect(ok.context.steps.contain?.result).toEqual({ ticket: 'T-9' });
    expect(ok.calls.map((c) => [c.operation, c.connector, c.inputs])).toEqual([
      ['playbook.call', 'open-case', { key: 'k' }],
    ]);
    const failed = simulate(compiled()!, {
      incident: { group: { api_key: 'k' } },
      replies: { contain: [{ ok: false, code: 'CORDON_ERR_RUN_CALL', message: 'child failed' }] },
      script: [],
      startAt: T0,
    });
    expect(failed.path).toEqual(['contain', 'broken']);
    expect(failed.status).toBe('failed');
  });

  it('runs as a playbook test case, its outcome scripted as a reply', () => {
    const { tests, diagnostics } = parsePlaybookTests(
      'parent.test.yaml',
      `tests:
  - name: the sub-run resolves with a ticket
    incident: { id: inc-1, group: { api_key: k1 } }
    replies:
      contain: { result: { ticket: T-1, outcome: resolved } }
    expect:
      path: [contain, done]
      status: resolved
      calls:
        - { state: contain, operation: playbook.call, connector: open-case, inputs: { key: k1 } }
  - name: the sub-run fails
    incident: { id: inc-2, group: { api_key: k2 } }
    replies:
      contain: { error: CORDON_ERR_RUN_CALL }
    expect: { path: [contain, broken], status: failed }
`,
    );
    expect(diagnostics).toEqual([]);
    for (const test of tests?.cases ?? [])
      expect({ name: test.name, problems: runPlaybookTest(compiled()!, test).problems }).toEqual({
        name: test.name,
        problems: [],
      });
    expect(tests?.cases).toHaveLength(2);
  });

  it('publishes a schema fragment requiring the playbook', () => {
    expect(callSchema).toMatchObject({
      required: ['call', 'next'],
      properties: { call: { required: ['playbook'] } },
    });
  });
});
