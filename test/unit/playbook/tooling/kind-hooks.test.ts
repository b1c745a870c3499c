import { describe, expect, it } from 'vitest';
import { STATE_KINDS } from '../../../../src/playbook/kinds/registry.js';
import { playbookSchema } from '../../../../src/schemas/playbook-schema.js';

describe('state kinds and the tooling', () => {
  it('every kind that runs draws itself, dry-runs itself and brings its schema fragment', () => {
    const runnable = STATE_KINDS.filter((k) => k.notImplemented === undefined);
    // A kind that starts running (parallel, call) must bring its hooks too: it joins this list.
    expect(runnable.map((k) => k.key)).toEqual(
      expect.arrayContaining(['action', 'approval', 'choice', 'wait', 'end']),
    );
    for (const kind of runnable) {
      expect({ kind: kind.key, graph: typeof kind.graph, dryRun: typeof kind.dryRun }).toEqual({
        kind: kind.key,
        graph: 'function',
        dryRun: 'function',
      });
      expect((kind.schema?.required as string[] | undefined)?.[0]).toBe(kind.key);
    }
    // Transient kinds say where a run went when it passed them (the interpreter's path).
    for (const kind of runnable.filter((k) => k.resting === 'transient'))
      expect(typeof kind.passedTo).toBe('function');
  });

  it("the playbook schema is the kinds' fragments, in registry order", () => {
    const states = (playbookSchema().properties as Record<string, any>).states;
    const fragments = states.additionalProperties.oneOf as { required: string[] }[];
    expect(fragments.map((f) => f.required[0])).toEqual(
      STATE_KINDS.filter((k) => k.schema).map((k) => k.key),
    );
  });
});
