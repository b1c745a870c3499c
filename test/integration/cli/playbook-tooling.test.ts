/**
 * `cordon graph`, `cordon plan` and the playbook half of `cordon test` as users run them: the
 * built CLI in a real process, on the shipped content and on content written here. Offline.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

function cordon(
  args: readonly string[],
  input?: string,
): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', CORDON_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const INCIDENT = {
  id: 'inc-42',
  title: 'Model extraction by query volume',
  severity: 'critical',
  group: { api_key: 'key-42' },
  eventCount: 900,
};

/** The shipped content without its tests, plus `files` (path → text). */
function content(files: Record<string, string>): string {
  const dir = tempDir('pbtool');
  for (const sub of ['correlations', 'connectors', 'playbooks'])
    cpSync(join(REPO_ROOT, sub), join(dir, sub), {
      recursive: true,
      filter: (src) => !src.endsWith('.test.yaml'),
    });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

describe('cordon graph', () => {
  it('prints the shipped playbook as a Mermaid state diagram, by id or by file', () => {
    const byId = cordon(['graph', 'contain-abusive-key']);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toMatch(/^stateDiagram-v2\n/);
    expect(byId.stdout).toContain('  ask_case --> open_case : approved\n');
    expect(byId.stdout).toContain('  class ask_case,ask_block approval\n');
    const byFile = cordon(['graph', 'playbooks/contain-abusive-key.yaml']);
    expect(byFile.stdout).toBe(byId.stdout);
  });

  it('says whether `cordon start` takes a playbook that acts on disabled connectors', () => {
    // The shipped rollback acts on mlflow, kserve, slack and teams only behind choices that
    // require them enabled: start takes it.
    const guarded = cordon(['graph', 'rollback-poisoned-model']);
    expect(guarded.code, guarded.stderr).toBe(0);
    expect(guarded.stderr).toContain(
      'note: connector "mlflow" is disabled: `cordon start` takes this playbook',
    );
    expect(guarded.stderr).not.toContain('refuses');
    const dir = content({
      'playbooks/kong-direct.yaml': `apiVersion: cordon/v1
id: kong-direct
on: { correlation: [brute_force] }
start: block
states:
  block:
    action: key.block
    automatic: true
    with: { connector: kong, key: "{{ incident.group.user }}" }
    next: case
  case:
    action: ticket.open
    with: { summary: "{{ incident.title }}", severity: high }
    next: done
  done: { end: resolved }
`,
    });
    const direct = cordon(['graph', 'kong-direct', '--content', dir]);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stderr).toMatch(
      /warning: Connector "kong" .* is disabled .* Until then `cordon start` refuses this playbook/,
    );
    // ticket.open without "connector:" is the one enabled connector offering it (cases), as
    // `cordon start` resolves it, though disabled ones (jira, servicenow …) offer it too.
    expect(direct.stdout).toContain('ticket.open');
    // Another playbook's refusal is not this one's.
    const beside = cordon(['graph', 'rollback-poisoned-model', '--content', dir]);
    expect(beside.code, beside.stderr).toBe(0);
    expect(beside.stderr).toContain('note: connector "mlflow" is disabled');
    expect(beside.stderr).not.toContain('refuses');
  });

  it('names the playbooks there are when the one asked for is not', () => {
    const run = cordon(['graph', 'contain-abusive-kee']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /no playbook "contain-abusive-kee".*Playbooks: .*contain-abusive-key/,
    );
  });
});

describe('cordon plan', () => {
  it('lists every path and the rendered calls, performing none, with no Redis', () => {
    const dir = tempDir('plan');
    const incident = join(dir, 'incident.json');
    writeFileSync(incident, JSON.stringify(INCIDENT));
    const text = cordon(['plan', 'contain-abusive-key', '--incident', incident]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('for incident inc-42: 8 path(s). Nothing was performed.');
    expect(text.stdout).toContain('AUTOMATIC, changes production');
    // The route that picked the connector, as cordon graph shows it; the failed end as graph names it.
    expect(text.stdout).toContain('  1. ratelimit.set on gateway (via traffic, state throttle)');
    expect(text.stdout).toContain(' --failed--> failed\n');
    expect(text.stdout).not.toContain('__failed');
    expect(text.stdout).toContain('       key: "key-42"');
    const json = cordon(['plan', 'contain-abusive-key', '--incident', incident, '--json']);
    const plan = JSON.parse(json.stdout) as {
      paths: { calls: { operation: string; inputs: Record<string, unknown> }[] }[];
    };
    // A critical incident: the key block behind its own approval is one of the paths.
    expect(plan.paths).toHaveLength(8);
    expect(plan.paths[0]?.calls.map((c) => c.operation)).toEqual([
      'ratelimit.set',
      'ticket.open',
      'key.block',
    ]);
    expect(plan.paths[0]?.calls[1]?.inputs.severity).toBe('critical');
  });

  it('reads the incident from standard input with --incident -', () => {
    const dir = tempDir('plan');
    const incident = join(dir, 'incident.json');
    writeFileSync(incident, JSON.stringify(INCIDENT));
    const fromFile = cordon(['plan', 'contain-abusive-key', '--incident', incident]);
    const fromStdin = cordon(
      ['plan', 'contain-abusive-key', '--incident', '-'],
      JSON.stringify(INCIDENT),
    );
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    const bad = cordon(['plan', 'contain-abusive-key', '--incident', '-'], 'not json');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cordon plan: cannot read the incident from standard input: /);
  });

  it('refuses an incident file that is not a JSON object, and a missing --incident', () => {
    const dir = tempDir('plan');
    writeFileSync(join(dir, 'bad.json'), '[1, 2]');
    const bad = cordon(['plan', 'contain-abusive-key', '--incident', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/must hold one JSON object/);
    const missing = cordon(['plan', 'contain-abusive-key']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Usage: cordon plan/);
  });
});

describe('cordon test (playbooks)', () => {
  it('runs the shipped playbook tests with the rule tests', () => {
    const run = cordon(['test']);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /ok {4}playbooks\/contain-abusive-key\.test\.yaml:\d+ an approver says yes/,
    );
  });

  it('gives the shipped playbook tests the same results whatever connectors/ enables', () => {
    // The shipped test files name the outbound connectors each case runs with (none by
    // default): enabling slack, kong and jira where the tests run changes no result.
    const dir = tempDir('pbtool-enabled');
    for (const sub of ['correlations', 'connectors', 'playbooks'])
      cpSync(join(REPO_ROOT, sub), join(dir, sub), { recursive: true });
    for (const name of ['slack', 'kong', 'jira']) {
      const file = join(dir, 'connectors', `${name}.yaml`);
      writeFileSync(file, readFileSync(file, 'utf8').replace('enabled: false', 'enabled: true'));
    }
    const run = cordon(['test', dir]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/\n(\d+) passed, 0 failed\.\n$/);
  });

  it('fails a case whose path differs, showing expected and got', () => {
    const dir = content({
      'playbooks/contain-abusive-key.test.yaml': `tests:
  - name: approval leads to a case
    incident: { id: i1, title: T, severity: high, group: { api_key: k1 }, eventCount: 1 }
    script: [ { approve: ask_case } ]
    expect: { path: [throttle, ask_case, open_case, escalate, done] }
  - name: rejection leads to a case (wrong on purpose)
    incident: { id: i1, title: T, severity: high, group: { api_key: k1 }, eventCount: 1 }
    script: [ { reject: ask_case } ]
    expect: { path: [throttle, ask_case, open_case, done] }
`,
    });
    const run = cordon(['test', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /ok {4}.*contain-abusive-key\.test\.yaml:2 approval leads to a case/,
    );
    expect(run.stdout).toMatch(/FAIL {2}.*contain-abusive-key\.test\.yaml:6 rejection leads/);
    expect(run.stdout).toContain(
      'expected path [throttle, ask_case, open_case, done], got [throttle, ask_case, closed_without_case]',
    );
    expect(run.stdout).toMatch(/1 passed, 1 failed\./);
  });
});

describe('graph, plan and tests of a parallel playbook with undo', () => {
  it('draws it, plans it (summarised, with undos) and runs its tests', () => {
    const fixture = readFileSync(
      join(REPO_ROOT, 'test/fixtures/playbooks/valid/parallel-and-undo.yaml'),
      'utf8',
    );
    const dir = content({
      'playbooks/parallel-and-undo.yaml': fixture,
      'playbooks/parallel-and-undo.test.yaml': `tests:
  - name: the case branch wins, the throttle expires an hour later
    incident: { id: i1, title: T, group: { api_key: k1 } }
    script: [ { advance: 2h } ]
    expect:
      path: [contain, throttle, open_case, ask_block, notify, note_one, note_two, done]
      status: resolved
      calls:
        - { state: throttle, operation: ratelimit.set }
        - { state: open_case, operation: ticket.open }
        - { state: note_one, operation: ticket.open }
        - { state: note_two, operation: ticket.open }
        - { state: throttle, operation: ratelimit.clear, inputs: { key: k1 } }
`,
    });
    const graph = cordon(['graph', 'parallel-and-undo', '--content', dir]);
    expect(graph.code, graph.stderr).toBe(0);
    expect(graph.stdout).toContain('  state "contain" as contain {\n');
    expect(graph.stdout).toContain(
      '      throttle : ratelimit.set on gateway, undo ratelimit.clear, expires 1h\n',
    );
    const incident = join(dir, 'incident.json');
    writeFileSync(incident, JSON.stringify({ id: 'i1', title: 'T', group: { api_key: 'k1' } }));
    const plan = cordon(['plan', 'parallel-and-undo', '--incident', incident, '--content', dir]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('  note: contain: branch limit resolves first and wins');
    expect(plan.stdout).toContain('  note: notify: branches run at the same time');
    expect(plan.stdout).toContain('(state throttle, branch limit) - AUTOMATIC, changes production');
    expect(plan.stdout).toContain(
      '  the run fails, taking back (newest first): ratelimit.clear (state block), ratelimit.clear (state throttle)',
    );
    const test = cordon(['test', dir]);
    expect(test.stdout).toMatch(/ok {4}.*parallel-and-undo\.test\.yaml:2 the case branch wins/);
  });
});

describe('cordon plan of a playbook that calls another', () => {
  it('lists the sub-run’s paths under its call, by id and by file', () => {
    const caller = `id: throttle-then-case
on: { correlation: model_extraction_by_query_volume }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: 10/m, reason: plan }
    next: case
  case:
    call:
      playbook: case-for-key
      inputs: { key: "{{ incident.group.api_key }}" }
    next: done
  done: { end: resolved }
`;
    const callee = `id: case-for-key
on: { call: true }
inputs:
  key: { description: The API key. }
start: open
states:
  open:
    action: ticket.open
    with: { connector: cases, summary: "Key {{ run.inputs.key }} throttled", description: plan, severity: high }
    next: done
  done: { end: resolved }
`;
    const dir = content({
      'playbooks/throttle-then-case.yaml': caller,
      'playbooks/case-for-key.yaml': callee,
    });
    const incident = join(dir, 'incident.json');
    writeFileSync(incident, JSON.stringify(INCIDENT));
    const byId = cordon(['plan', 'throttle-then-case', '--incident', incident, '--content', dir]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toContain('  2. playbook.call on case-for-key (state case)');
    expect(byId.stdout).toContain('       sub-run S1: its paths and calls are under "Sub-run S1"');
    expect(byId.stdout).toContain('\nSub-run S1: playbook case-for-key (version ');
    expect(byId.stdout).toContain('\n|   1. ticket.open on cases (state open)');
    expect(byId.stdout).toContain('\n|        summary: "Key key-42 throttled"');
    // A playbook file outside the content plans into the installed playbooks too.
    const file = join(dir, 'caller.yaml');
    writeFileSync(file, caller.replace('id: throttle-then-case', 'id: draft-caller'));
    const byFile = cordon(['plan', file, '--incident', incident, '--content', dir]);
    expect(byFile.code, byFile.stderr).toBe(0);
    expect(byFile.stdout).toContain('\n|        summary: "Key key-42 throttled"');
    const json = JSON.parse(
      cordon(['plan', 'throttle-then-case', '--incident', incident, '--content', dir, '--json'])
        .stdout,
    ) as {
      paths: { calls: { operation: string; sub?: { run?: string } }[] }[];
      subRuns: Record<string, { playbook: string }>;
    };
    expect(json.paths[0]?.calls[1]?.sub?.run).toBe('S1');
    expect(json.subRuns.S1?.playbook).toBe('case-for-key');
    // Installed playbooks with errors: the file is still planned, its call not, and it says why.
    writeFileSync(
      join(dir, 'playbooks/broken.yaml'),
      'id: broken\non: { call: true }\nstart: a\nstates: { a: { end: nope } }\n',
    );
    const broken = cordon(['plan', file, '--incident', incident, '--content', dir]);
    expect(broken.code, broken.stderr).toBe(0);
    expect(broken.stderr).toMatch(
      /warning: the playbooks under .* have errors .*calls into them are not planned/,
    );
    expect(broken.stdout).toContain(
      'sub-run not planned: playbook "case-for-key" is not among the playbooks',
    );
  });
});
