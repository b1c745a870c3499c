import { describe, expect, it } from 'vitest';
import { playbookGraph } from '../../../../src/playbook/tooling/graph.js';
import { build, buildFile, playbook } from '../kinds/helpers.js';

describe('cordon graph (Mermaid stateDiagram-v2)', () => {
  it('draws the shipped playbook with labelled outcomes, failure path and marks', () => {
    const text = playbookGraph(buildFile('playbooks/contain-abusive-key.yaml').definition);
    const lines = text.split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('  [*] --> throttle');
    expect(lines).toContain('  throttle --> ask_case : succeeded');
    expect(lines).toContain('  throttle --> failed : failed (5 attempts, timeout 10s)');
    expect(lines).toContain('  state "failed" as failed');
    expect(lines).toContain('  failed --> [*]');
    expect(lines).toContain('  ask_case --> open_case : approved');
    expect(lines).toContain('  ask_case --> closed_without_case : rejected');
    expect(lines).toContain('  ask_case --> closed_without_case : timeout after 30m');
    expect(lines).toContain('  done --> [*]');
    expect(lines).toContain('  class ask_case,ask_block approval');
    // throttle mutates with no approval in front (automatic: true); block_key mutates behind
    // ask_block; open_case does not mutate.
    expect(lines).toContain('  class throttle automatic');
    expect(lines).toContain('  class block_key mutation');
    expect(lines).toContain('  ask_block --> block_key : approved');
    expect(text).not.toMatch(/class [^\n]*open_case/);
    expect(lines).toContain(
      '  throttle : ratelimit.set on gateway (via traffic), undo ratelimit.clear',
    );
  });

  it('labels choice branches with their conditions and waits with their timers', () => {
    const { playbooks } = build(
      playbook(
        'pick',
        `  pick:
    choice:
      - { when: 'incident.severity == "critical"', next: hold }
    default: end-it
  hold:
    wait: { changes: incident.severity, timeout: 10m }
    next: end-it
    on_timeout: end-it
  end-it:
    end: resolved
`,
      ),
    );
    const text = playbookGraph((playbooks ?? [])[0]!.definition);
    expect(text).toContain('  state pick <<choice>>');
    expect(text).toContain(`  pick --> hold : incident.severity == 'critical'`);
    expect(text).toContain('  pick --> end_it : default');
    expect(text).toContain('  hold --> end_it : incident.severity changes');
    expect(text).toContain('  hold --> end_it : timeout after 10m');
    expect(text).toContain('  state "end-it" as end_it');
    expect(text).not.toContain('failed');
  });

  it('keeps state names that are Mermaid keywords out of its ids', () => {
    const { playbooks } = build(
      playbook(
        'state',
        `  state:
    wait: { for: 1m }
    next: end
  end:
    end: resolved
`,
      ),
    );
    const text = playbookGraph((playbooks ?? [])[0]!.definition);
    expect(text).toContain('  state "state" as s0_state');
    expect(text).toContain('  state "end" as s1_end');
    expect(text).toContain('  s0_state --> s1_end : after 1m');
    expect(text).toContain('  [*] --> s0_state');
  });
});
