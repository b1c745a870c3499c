import { formatDurationMs } from '../../../shared/duration.js';
import { DURATION, STATE_REF, stateObject } from '../schema-parts.js';
import type { DryRunScope, DryRunStep, GraphNode, JsonSchema } from '../tooling.js';
import type { ApprovalStateDefinition } from './approval-definition.js';
import { plannedEscalations } from './approval-escalation.js';

/** The approval id a dry run's decisions carry (nothing is stored). */
const DRY_RUN_APPROVAL = 'dry-run';

/** `, escalates after 15m (ticket.open, +soc-lead), 30m (+ciso)`, or nothing. */
function escalationNote(def: ApprovalStateDefinition): string {
  if (!def.escalate?.length) return '';
  const steps = def.escalate.map((s) => {
    const what = [
      ...(s.notify ? [s.notify.operation] : []),
      ...(s.setRoles ? [`roles = ${s.roles.join(' or ')}`] : s.roles.map((r) => `+${r}`)),
    ];
    const after = s.after === undefined ? formatDurationMs(s.afterMs) : `\${{ ${s.after} }}`;
    return `${after} (${what.join(', ')})`;
  });
  return `, escalates after ${steps.join(', ')}`;
}

export function graphApproval(def: ApprovalStateDefinition): GraphNode {
  return {
    edges: [
      { to: def.on.approved, label: 'approved' },
      { to: def.on.rejected, label: 'rejected' },
      { to: def.on.timeout, label: `timeout after ${formatDurationMs(def.timeoutMs)}` },
    ],
    note: `approval by ${def.quorum > 1 ? `${def.quorum} of ` : ''}${def.roles.join(' or ')}${escalationNote(def)}`,
    classes: ['approval'],
  };
}

export function dryRunApproval(def: ApprovalStateDefinition, scope: DryRunScope): DryRunStep {
  const state = scope.name;
  const timed = plannedEscalations(def, state, scope.context);
  return {
    ...(timed.length > 0 ? { timed } : {}),
    exits: [
      {
        label: 'approved',
        to: def.on.approved,
        approved: true,
        trigger: 'decision',
        event: ({ at, by }) => ({
          type: 'approval.approved',
          state,
          approvalId: DRY_RUN_APPROVAL,
          by: [...(by ?? [])],
          inputsHash: '',
          at,
        }),
      },
      {
        label: 'rejected',
        to: def.on.rejected,
        trigger: 'decision',
        event: ({ at, by }) => ({
          type: 'approval.rejected',
          state,
          approvalId: DRY_RUN_APPROVAL,
          by: [...(by ?? [])],
          at,
        }),
      },
      { label: 'timeout', to: def.on.timeout, trigger: 'clock' },
    ],
  };
}

export const approvalSchema: JsonSchema = stateObject(
  'approval',
  'Asks people holding a role to approve; the run waits for approved, rejected or the timeout.',
  {
    approval: {
      type: 'object',
      required: ['timeout'],
      properties: {
        roles: {
          description: 'A decider must hold one of these roles (default: approver).',
          anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        },
        quorum: { type: 'integer', minimum: 1, maximum: 10 },
        timeout: DURATION,
        message: { type: 'string', description: 'Shown to approvers; may hold {{ templates }}.' },
        escalate: {
          description:
            'While nobody decides: after each delay (from when the approval was asked for, shorter than the timeout, in order), notify and/or add roles that may decide.',
          type: 'array',
          minItems: 1,
          maxItems: 5,
          items: {
            type: 'object',
            required: ['after'],
            anyOf: [{ required: ['notify'] }, { required: ['roles'] }],
            properties: {
              after: {
                anyOf: [
                  DURATION,
                  {
                    type: 'string',
                    pattern: '^\\s*\\$\\{\\{[\\s\\S]*\\}\\}\\s*$',
                    description:
                      'A computed delay: ${{ <CEL> }} giving a duration, computed when the approval is asked for (one not shorter than the timeout never happens).',
                  },
                ],
              },
              roles: {
                description:
                  'Roles added to those that may decide (votes cast afterwards); { add: [...] } the same; { set: [...] } the roles that may decide from then on, replacing the others.',
                anyOf: [
                  { type: 'string' },
                  { type: 'array', items: { type: 'string' } },
                  {
                    type: 'object',
                    minProperties: 1,
                    maxProperties: 1,
                    properties: {
                      add: {
                        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
                      },
                      set: {
                        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
                      },
                    },
                    additionalProperties: false,
                  },
                ],
              },
              notify: {
                type: 'object',
                description:
                  'A non-mutating operation to run (notify.slack, notify.teams, ticket.open …).',
                required: ['action'],
                properties: {
                  action: { type: 'string' },
                  with: {
                    type: 'object',
                    description:
                      'The connector and the inputs; values may hold {{ templates }} or ${{ <CEL> }}.',
                  },
                },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    on: {
      type: 'object',
      required: ['approved', 'rejected'],
      properties: { approved: STATE_REF, rejected: STATE_REF, timeout: STATE_REF },
      additionalProperties: false,
    },
  },
  ['on'],
);
