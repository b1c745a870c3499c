import { describe, expect, it } from 'vitest';
import { build, errors, playbook } from './helpers.js';

/** The undo keys of an action state: `undo` (two forms), `undo_on_reject`, `expires`. */
const action = (extra: string): string =>
  playbook(
    'throttle',
    `  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "{{ incident.group.api_key }}", limit: 10/m }
${extra}    next: done
  done: { end: resolved }
`,
  );

describe('action undo keys', () => {
  it('accepts both undo forms with undo_on_reject and expires', () => {
    const { playbooks } = build(
      action(`    undo:
      action: ratelimit.clear
      with: { key: "{{ incident.group.api_key }}", reason: "was {{ steps.throttle.status }}" }
    undo_on_reject: true
    expires: 1h
`),
    );
    expect(playbooks?.[0]?.definition.states.throttle).toMatchObject({
      undo: 'ratelimit.clear',
      undoInputs: {
        key: '{{ incident.group.api_key }}',
        reason: 'was {{ steps.throttle.status }}',
      },
      undoOnReject: true,
      expiresMs: 3_600_000,
    });
    expect(
      build(action('    undo: ratelimit.clear\n')).playbooks?.[0]?.definition.states.throttle,
    ).toMatchObject({
      undo: 'ratelimit.clear',
    });
  });

  it('refuses expires or undo_on_reject without an undo, at the key', () => {
    expect(errors(action('    expires: 1h\n'))).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_UNDO',
        path: 'states.throttle.expires',
        line: 10,
        message: expect.stringContaining('"undo: ratelimit.clear"'),
      }),
    ]);
    expect(errors(action('    undo_on_reject: true\n'))).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_UNDO',
        path: 'states.throttle.undo_on_reject',
      }),
    ]);
  });

  it('locates a bad duration, a non-boolean flag and a bad undo input', () => {
    expect(errors(action('    undo: ratelimit.clear\n    expires: soon\n'))).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_DEFINITION_VALUE',
        path: 'states.throttle.expires',
      }),
    ]);
    expect(errors(action('    undo: ratelimit.clear\n    undo_on_reject: "yes"\n'))).toEqual([
      expect.objectContaining({
        code: 'CORDON_ERR_DEFINITION_TYPE',
        path: 'states.throttle.undo_on_reject',
      }),
    ]);
    expect(
      errors(action('    undo:\n      action: ratelimit.clear\n      with: { limit: 10/m }\n')),
    ).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_INPUT',
        path: 'states.throttle.undo.with.limit',
        line: 12,
      }),
    );
    expect(errors(action('    undo: { action: ticket.open }\n'))).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
        path: 'states.throttle.undo',
      }),
    );
  });

  it('warns of an undo that is a change of its own rather than the reverse, and builds it', () => {
    const escalating = build(action('    undo: key.block\n    expires: 2h\n'));
    expect(escalating.playbooks).toBeDefined();
    expect(escalating.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'CORDON_WARN_PLAYBOOK_UNDO_NOT_REVERSE',
        path: 'states.throttle.undo',
        message: expect.stringContaining(
          'runs ratelimit.set, whose reverse is ratelimit.clear, but declares "key.block" as its undo',
        ) as unknown,
      }),
    ]);
    // The reverse of another operation is warned of too (it never takes this one back).
    expect(build(action('    undo: key.unblock\n')).diagnostics).toEqual([
      expect.objectContaining({ code: 'CORDON_WARN_PLAYBOOK_UNDO_NOT_REVERSE' }),
    ]);
    // The reverse is not.
    expect(build(action('    undo: ratelimit.clear\n')).diagnostics).toEqual([]);
  });

  it("says an undo acts through its action's connector when its with names one", () => {
    const [d] = errors(
      action(
        '    undo:\n      action: ratelimit.clear\n      with: { connector: gateway, key: k }\n',
      ),
    );
    expect(d).toMatchObject({
      code: 'CORDON_ERR_PLAYBOOK_INPUT',
      path: 'states.throttle.undo.with.connector',
    });
    expect(d?.message).toContain('"connector" cannot be set here');
    expect(d?.message).not.toMatch(/Inputs: .*connector/);
  });
});
