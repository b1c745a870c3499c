import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping, expectString, isMapping } from '../../../shared/shape.js';
import { durationOr, MAX_WAIT_MS, toStringList } from '../../definition/value-checks.js';
import type { ValidateInput } from '../state-kind.js';
import type { ApprovalStateDefinition } from './approval-definition.js';
import { validateEscalation } from './validate-escalation.js';
import { computedSource } from '../../expressions/computed.js';
import { BUILTIN_ROLES } from '../../../config/principals.js';

/**
 * Built-in roles that never decide approvals: those of machines and administrators
 * (separation of duties), and those that read, respond or audit, whose holders the API refuses
 * a decision unless they also hold approver or a custom role (routes/approvals.ts). Of the
 * built-in roles only approver decides; any other role name is a custom one that may.
 */
export const NON_APPROVER_ROLES: readonly string[] = BUILTIN_ROLES.filter((r) => r !== 'approver');

export function validateApproval(input: ValidateInput): ApprovalStateDefinition | undefined {
  const { name, value, path, sink, label, target, checkTemplates } = input;
  const before = input.mark();
  checkKeys(sink, path, value, label, { required: ['approval', 'on'], optional: ['description'] });
  const a = value.approval;
  let roles: string[] = ['approver'];
  let quorum = 1;
  let timeoutMs = 0;
  let message = `Approve the next step of this run (state ${name})?`;
  if (a !== undefined && expectMapping(sink, [...path, 'approval'], a, `${label} approval`)) {
    checkKeys(sink, [...path, 'approval'], a, `${label} approval`, {
      required: ['timeout'],
      optional: ['roles', 'quorum', 'message', 'escalate'],
    });
    if (a.roles !== undefined) {
      const list = toStringList(a.roles);
      const machineRoles = list?.filter((r) => NON_APPROVER_ROLES.includes(r)) ?? [];
      if (list && machineRoles.length > 0) {
        sink.error(
          [...path, 'approval', 'roles'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} approval.roles names ${machineRoles.map((r) => `"${r}"`).join(', ')}; of the built-in roles only approver decides approvals (${NON_APPROVER_ROLES.join(', ')} may never approve: separation of duties). Name "approver" or a custom role like "ml-oncall".`,
        );
      } else if (!list || !list.every((r) => /^[\w.-]{1,64}$/.test(r))) {
        sink.error(
          [...path, 'approval', 'roles'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${label} approval.roles must be a list of role names (letters, digits, _ . -); got ${describe(a.roles)}.`,
        );
      } else roles = list;
    }
    if (a.quorum !== undefined) {
      if (
        typeof a.quorum !== 'number' ||
        !Number.isInteger(a.quorum) ||
        a.quorum < 1 ||
        a.quorum > 10
      ) {
        sink.error(
          [...path, 'approval', 'quorum'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} approval.quorum must be a whole number from 1 to 10 (distinct approvers needed); got ${describe(a.quorum)}.`,
        );
      } else quorum = a.quorum;
    }
    if (a.timeout !== undefined) {
      timeoutMs = durationOr(
        a.timeout,
        0,
        [...path, 'approval', 'timeout'],
        sink,
        `${label} approval.timeout`,
        MAX_WAIT_MS,
      );
    }
    if (
      a.message !== undefined &&
      expectString(sink, [...path, 'approval', 'message'], a.message, `${label} approval.message`)
    ) {
      message = a.message;
      // A computed message must come out as text (a map would read "[object Object]").
      if (computedSource(a.message) !== undefined)
        input.checkComputed(
          [...path, 'approval', 'message'],
          a.message,
          'text',
          'approval.message',
        );
      else checkTemplates([...path, 'approval', 'message'], a.message);
    }
  }
  const escalate =
    isMapping(a) && a.escalate !== undefined
      ? validateEscalation(input, a.escalate, [...path, 'approval', 'escalate'], timeoutMs, (r) =>
          NON_APPROVER_ROLES.includes(r),
        )
      : undefined;
  const on = value.on;
  let outcomes: ApprovalStateDefinition['on'] | undefined;
  if (on !== undefined && expectMapping(sink, [...path, 'on'], on, `${label} on`)) {
    checkKeys(sink, [...path, 'on'], on, `${label} on`, {
      required: ['approved', 'rejected'],
      optional: ['timeout'],
    });
    const okApproved =
      on.approved !== undefined && target([...path, 'on', 'approved'], on.approved, 'on.approved');
    const okRejected =
      on.rejected !== undefined && target([...path, 'on', 'rejected'], on.rejected, 'on.rejected');
    // Fail closed: without an explicit timeout target, a timeout is treated like a rejection.
    const okTimeout =
      on.timeout === undefined || target([...path, 'on', 'timeout'], on.timeout, 'on.timeout');
    if (okApproved && okRejected && okTimeout) {
      outcomes = {
        approved: on.approved as string,
        rejected: on.rejected as string,
        timeout: (on.timeout ?? on.rejected) as string,
      };
    }
  }
  if (input.erredSince(before) || !outcomes || timeoutMs <= 0) return undefined;
  return {
    kind: 'approval',
    roles,
    quorum,
    timeoutMs,
    message,
    on: outcomes,
    ...(escalate ? { escalate } : {}),
  };
}
