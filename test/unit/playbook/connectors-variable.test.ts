/**
 * `connectors.<name>.enabled` in CEL: checked against the connectors/ names, pinned in the
 * definition as it was at load (so a run keeps its branch), and a state may act on a disabled
 * connector the playbook tests this way.
 */
import { describe, expect, it } from 'vitest';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { PlaybookContext } from '../../../src/playbook/definition/types.js';
import { runPlaybookTest } from '../../../src/playbook/tooling/playbook-tests.js';
import { formatDiagnostic } from '../../../src/shared/diagnostics.js';

const PLAYBOOK = (when: string): string => `apiVersion: cordon/v1
id: roll
on: { correlation: [r] }
start: pick
states:
  pick:
    choice:
      - when: ${when}
        next: ask
    default: done
  ask:
    approval: { roles: [approver], timeout: 1h }
    on: { approved: move, rejected: done, timeout: done }
  move:
    action: model.rollback
    with: { connector: mlflow, model: m, alias: champion }
    undo: model.restore
    next: done
  done: { end: resolved }
`;

function ctx(mlflowEnabled: boolean): PlaybookContext {
  const mlflow = new Map([['mlflow', 'mlflow']]);
  return {
    connectors: new Map([['cases', 'builtin-cases'], ...(mlflowEnabled ? mlflow : [])]),
    disabledConnectors: mlflowEnabled
      ? new Map()
      : new Map([['mlflow', { type: 'mlflow', secrets: [] }]]),
    rules: undefined,
  };
}

const run = (enabled: boolean) => {
  const built = buildPlaybooks(
    [{ file: 'p.yaml', text: PLAYBOOK('connectors.mlflow.enabled') }],
    ctx(enabled),
  );
  expect(built.diagnostics.map(formatDiagnostic)).toEqual([]);
  const compiled = built.playbooks?.[0];
  if (!compiled) throw new Error('no playbook');
  return {
    definition: compiled.definition,
    outcome: runPlaybookTest(compiled, {
      name: 'x',
      line: 1,
      incident: { id: 'i' },
      replies: {},
      script: [{ approve: 'ask', by: ['a'] }],
      expect: {},
    }),
  };
};

describe('connectors.<name>.enabled', () => {
  it('is pinned in the definition and picks the branch: disabled skips, enabled acts', () => {
    const off = run(false);
    expect(off.definition.connectors).toEqual({ mlflow: { enabled: false } });
    expect(off.outcome.path).toEqual(['pick', 'done']);
    const on = run(true);
    expect(on.definition.connectors).toEqual({ mlflow: { enabled: true } });
    expect(on.outcome.path).toEqual(['pick', 'ask', 'move', 'done']);
    expect(on.outcome.calls).toMatchObject([{ operation: 'model.rollback', connector: 'mlflow' }]);
  });

  it('refuses an unknown connector name, suggesting the right one', () => {
    const built = buildPlaybooks(
      [{ file: 'p.yaml', text: PLAYBOOK('connectors.mlfow.enabled') }],
      ctx(true),
    );
    expect(built.playbooks).toBeUndefined();
    expect(built.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /CORDON_ERR_PLAYBOOK_EXPRESSION .*"mlfow".*did you mean "mlflow"/,
    );
  });

  it.each([
    ["'!connectors.mlflow.enabled'"],
    ['true || connectors.mlflow.enabled'],
    ['connectors.mlflow.enabled == false'],
    ["'connectors.mlflow.enabled ? false : true'"],
  ])('refuses a condition that names the disabled connector without requiring it: %s', (when) => {
    const built = buildPlaybooks([{ file: 'p.yaml', text: PLAYBOOK(when) }], ctx(false));
    expect(built.playbooks).toBeUndefined();
    expect(built.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /p\.yaml:\d+:\d+ .*CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR .*State "move" acts on connector "mlflow", which is disabled, and a run can reach it without passing a choice that requires it enabled/,
    );
  });

  it.each([
    ['connectors.mlflow.enabled && incident.severity == "high"'],
    ['connectors["mlflow"].enabled == true'],
    ['(incident.severity == "high") && (true == connectors.mlflow.enabled)'],
  ])('accepts a condition that requires the connector enabled: %s', (when) => {
    const built = buildPlaybooks([{ file: 'p.yaml', text: PLAYBOOK(when) }], ctx(false));
    expect(built.diagnostics.map(formatDiagnostic)).toEqual([]);
  });

  it('accepts the default (or a later branch) of a choice whose branch is taken when it is disabled', () => {
    const text = PLAYBOOK("'!connectors.mlflow.enabled'").replace(
      '        next: ask\n    default: done',
      '        next: done\n    default: ask',
    );
    const built = buildPlaybooks([{ file: 'p.yaml', text }], ctx(false));
    expect(built.diagnostics.map(formatDiagnostic)).toEqual([]);
  });

  it('refuses a guarded disabled connector of a type that does not offer the operation', () => {
    const text = PLAYBOOK('connectors.mlflow.enabled').replace(
      'action: model.rollback\n    with: { connector: mlflow, model: m, alias: champion }\n    undo: model.restore',
      'action: ratelimit.set\n    with: { connector: mlflow, key: k, limit: 10/m }',
    );
    const built = buildPlaybooks([{ file: 'p.yaml', text }], ctx(false));
    expect(built.playbooks).toBeUndefined();
    expect(built.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /runs ratelimit\.set on connector "mlflow" of type mlflow, which does not offer it/,
    );
  });

  it('refuses a disabled connector reached by a second path that skips the guard', () => {
    const text = PLAYBOOK('connectors.mlflow.enabled').replace(
      '    default: done',
      '    default: ask',
    );
    const built = buildPlaybooks([{ file: 'p.yaml', text }], ctx(false));
    expect(built.playbooks).toBeUndefined();
    expect(built.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /State "move" acts on connector "mlflow", which is disabled/,
    );
  });

  /** `pick` leads to a parallel state whose branch acts on mlflow after its own approval. */
  const PARALLEL = (
    when: string,
    inBranch = '',
    otherwise = 'done',
  ): string => `apiVersion: cordon/v1
id: roll
on: { correlation: [r] }
start: pick
states:
  pick:
    choice:
      - when: ${when}
        next: both
    default: ${otherwise}
  both:
    parallel:
      branches:
        roll:
          start: ${inBranch ? 'check' : 'ask'}
          states:${inBranch}
            ask:
              approval: { roles: [approver], timeout: 1h }
              on: { approved: move, rejected: roll_done, timeout: roll_done }
            move:
              action: model.rollback
              with: { connector: mlflow, model: m, alias: champion }
              undo: model.restore
              next: roll_done
            roll_done: { end: resolved }
        note:
          start: note_done
          states:
            note_done: { end: resolved }
    next: done
  done: { end: resolved }
`;

  it('counts a choice before a parallel state inside its branches', () => {
    const built = buildPlaybooks(
      [{ file: 'p.yaml', text: PARALLEL('connectors.mlflow.enabled') }],
      ctx(false),
    );
    expect(built.diagnostics.map(formatDiagnostic)).toEqual([]);
    const inside = `
            check:
              choice:
                - when: connectors.mlflow.enabled
                  next: ask
              default: roll_done`;
    expect(
      buildPlaybooks([{ file: 'p.yaml', text: PARALLEL("'true'", inside) }], ctx(false))
        .diagnostics,
    ).toEqual([]);
  });

  it('refuses a branch reaching a disabled connector that no choice before or inside guards', () => {
    // The default reaches the parallel state too, skipping the guard.
    const built = buildPlaybooks(
      [{ file: 'p.yaml', text: PARALLEL('connectors.mlflow.enabled', '', 'both') }],
      ctx(false),
    );
    expect(built.playbooks).toBeUndefined();
    const text = built.diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toMatch(
      /CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR State "move" acts on connector "mlflow", which is disabled/,
    );
    expect(built.diagnostics.map((d) => d.path)).toEqual([
      'states.both.parallel.branches.roll.states.move',
    ]);
  });

  it('does not let a playbook act on a disabled connector it never tests', () => {
    const built = buildPlaybooks([{ file: 'p.yaml', text: PLAYBOOK('true') }], ctx(false));
    expect(built.playbooks).toBeUndefined();
    expect(built.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR .*"mlflow", which is disabled/,
    );
  });
});
