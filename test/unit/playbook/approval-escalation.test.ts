import { describe, expect, it } from 'vitest';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { PlaybookContext } from '../../../src/playbook/definition/types.js';
import type { ApprovalStateDefinition } from '../../../src/playbook/kinds/approval/approval-definition.js';
import { SHIPPED_ROUTES } from '../../helpers/shipped-routes.js';

/** Validation of `escalate:` under an approval: every problem located, with the fix. */
const CTX: PlaybookContext = {
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
  ]),
  routes: SHIPPED_ROUTES,
  rules: new Map([['r', ['user']]]),
};

/** `escalate` is indented under approval; its first line is line 11. */
function playbook(escalate: string): string {
  return [
    'id: test',
    'on: { correlation: r }',
    'start: ask',
    'states:',
    '  ask:',
    '    approval:',
    '      roles: [approver]',
    '      timeout: 1h',
    '      message: "Block?"',
    '      escalate:',
    escalate,
    '    on: { approved: done, rejected: done }',
    '  done: { end: resolved }',
    '',
  ].join('\n');
}

function build(text: string) {
  return buildPlaybooks([{ file: 'p.yaml', text }], CTX);
}

function errors(text: string) {
  return build(text).diagnostics.filter((d) => d.severity === 'error');
}

describe('approval escalate', () => {
  it('compiles steps with notify and roles', () => {
    const built = build(
      playbook(
        [
          '        - after: 15m', // line 11
          '          notify: { action: ticket.open, with: { summary: "waiting on {{ incident.group.user }}" } }',
          '          roles: [soc-lead]',
          '        - after: 30m',
          '          roles: ciso',
        ].join('\n'),
      ),
    );
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ask = built.playbooks?.[0]?.states.ask as ApprovalStateDefinition;
    expect(ask.escalate).toEqual([
      {
        afterMs: 900_000,
        roles: ['soc-lead'],
        notify: {
          operation: 'ticket.open',
          connector: 'cases',
          connectorType: 'builtin-cases',
          inputs: { summary: 'waiting on {{ incident.group.user }}' },
        },
      },
      { afterMs: 1_800_000, roles: ['ciso'] },
    ]);
  });

  it('refuses a step at or past the timeout, and steps out of order', () => {
    const found = errors(
      playbook(
        [
          '        - after: 30m',
          '          roles: [a]',
          '        - after: 10m',
          '          roles: [b]',
          '        - after: 1h',
          '          roles: [c]',
        ].join('\n'),
      ),
    );
    expect(found.map((d) => [d.line, d.code])).toEqual([
      [13, 'CORDON_ERR_DEFINITION_VALUE'],
      [15, 'CORDON_ERR_DEFINITION_VALUE'],
    ]);
    expect(found[0]?.message).toContain('not later than the step before it (30m)');
    expect(found[1]?.message).toContain(
      'the approval times out after 1h, so it would never happen',
    );
  });

  it('refuses a step that does nothing, machine roles, and a mutating notify', () => {
    const found = errors(
      playbook(
        [
          '        - after: 5m', // line 11
          '        - after: 10m',
          '          roles: [admin]',
          '        - after: 20m',
          '          notify: { action: ratelimit.set, with: { key: k, limit: block } }',
        ].join('\n'),
      ),
    );
    expect(found.map((d) => [d.line, d.code])).toEqual([
      [11, 'CORDON_ERR_DEFINITION_REQUIRED'],
      [13, 'CORDON_ERR_DEFINITION_VALUE'],
      [15, 'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION'],
    ]);
    expect(found[0]?.message).toContain('does nothing');
    expect(found[1]?.message).toContain('"admin"');
    expect(found[2]?.message).toContain('may only notify');
  });

  it('checks the notify inputs and templates like an action', () => {
    const found = errors(
      playbook(
        [
          '        - after: 5m',
          '          notify: { action: ticket.open, with: { sumary: x, description: "{{ incident.group.usr }}" } }',
        ].join('\n'),
      ),
    );
    const messages = found.map((d) => d.message).join('\n');
    expect(
      found.every(
        (d) => d.code === 'CORDON_ERR_PLAYBOOK_INPUT' || d.code === 'CORDON_ERR_PLAYBOOK_TEMPLATE',
      ),
    ).toBe(true);
    expect(messages).toContain('has no input "sumary"');
    expect(messages).toContain('needs input "summary"');
    expect(messages).toContain('{{ incident.group.usr }}');
  });
});
