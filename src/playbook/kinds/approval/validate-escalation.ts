import { describe, formatDurationMs } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import { durationOr, MAX_WAIT_MS, toStringList } from '../../definition/value-checks.js';
import type { ValidateInput } from '../state-kind.js';
import {
  checkActionInputs,
  lookupOperation,
  resolveConnector,
  withoutComputed,
} from '../action/validate-action.js';
import type { ApprovalEscalationDefinition } from './approval-definition.js';

const MAX_STEPS = 5;

/**
 * `escalate:` under an approval: a list of steps, each `after` a duration shorter than the
 * timeout (later steps later), with `notify: { action, with }` (a non-mutating operation, such
 * as notify.slack or an incident page) and/or `roles: [...]` added to who may decide.
 */
export function validateEscalation(
  input: ValidateInput,
  value: unknown,
  path: YamlPath,
  timeoutMs: number,
  isMachineRole: (role: string) => boolean,
): ApprovalEscalationDefinition[] | undefined {
  const { sink, label } = input;
  const what = `${label} approval.escalate`;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_STEPS) {
    sink.error(
      path,
      'CORDON_ERR_DEFINITION_TYPE',
      `${what} must be a list of 1 to ${MAX_STEPS} steps such as [{ after: 15m, roles: [soc-lead] }]; got ${describe(value)}.`,
    );
    return undefined;
  }
  const out: ApprovalEscalationDefinition[] = [];
  let ok = true;
  let previous = 0;
  value.forEach((raw, i) => {
    const at = [...path, i];
    const stepLabel = `${what}[${i}]`;
    if (!expectMapping(sink, at, raw, stepLabel)) {
      ok = false;
      return;
    }
    checkKeys(sink, at, raw, stepLabel, { required: ['after'], optional: ['notify', 'roles'] });
    const afterMs = durationOr(
      raw.after,
      0,
      [...at, 'after'],
      sink,
      `${stepLabel}.after`,
      MAX_WAIT_MS,
    );
    if (raw.after !== undefined && afterMs > 0) {
      if (timeoutMs > 0 && afterMs >= timeoutMs) {
        sink.error(
          [...at, 'after'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${stepLabel}.after is ${formatDurationMs(afterMs)}, but the approval times out after ${formatDurationMs(timeoutMs)}, so it would never happen; make it shorter than the timeout.`,
        );
        ok = false;
      } else if (afterMs <= previous) {
        sink.error(
          [...at, 'after'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${stepLabel}.after is ${formatDurationMs(afterMs)}, not later than the step before it (${formatDurationMs(previous)}); list escalation steps in the order they happen.`,
        );
        ok = false;
      }
      previous = Math.max(previous, afterMs);
    } else ok = false;
    if (raw.notify === undefined && raw.roles === undefined) {
      sink.error(
        at,
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${stepLabel} does nothing; add "notify: { action: notify.slack, with: {...} }" and/or "roles: [<role>]" (roles added to who may decide).`,
      );
      ok = false;
    }
    let roles: string[] = [];
    if (raw.roles !== undefined) {
      const list = toStringList(raw.roles);
      const machine = list?.filter(isMachineRole) ?? [];
      if (!list || !list.every((r) => /^[\w.-]{1,64}$/.test(r))) {
        sink.error(
          [...at, 'roles'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${stepLabel}.roles must be a list of role names (letters, digits, _ . -); got ${describe(raw.roles)}.`,
        );
        ok = false;
      } else if (machine.length > 0) {
        sink.error(
          [...at, 'roles'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${stepLabel}.roles names ${machine.map((r) => `"${r}"`).join(', ')}, which may never approve (separation of duties); widen to an approver role such as "soc-lead".`,
        );
        ok = false;
      } else roles = list;
    }
    const notify =
      raw.notify === undefined
        ? undefined
        : validateNotify(input, raw.notify, [...at, 'notify'], `${stepLabel}.notify`);
    if (raw.notify !== undefined && !notify) ok = false;
    out.push({ afterMs, roles, ...(notify ? { notify } : {}) });
  });
  return ok ? out : undefined;
}

function validateNotify(
  input: ValidateInput,
  value: unknown,
  path: YamlPath,
  label: string,
): ApprovalEscalationDefinition['notify'] {
  const { sink, ctx } = input;
  if (!expectMapping(sink, path, value, label)) return undefined;
  checkKeys(sink, path, value, label, { required: ['action'], optional: ['with'] });
  const op = lookupOperation(value.action, [...path, 'action'], sink, label);
  if (!op) return undefined;
  if (op.mutating) {
    // An escalation runs with nobody's approval: it may tell people, never change systems.
    sink.error(
      [...path, 'action'],
      'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
      `${label} runs ${op.name}, which changes a production system; an escalation runs with no approval, so it may only notify (a non-mutating operation such as notify.slack, notify.teams or ticket.open).`,
    );
    return undefined;
  }
  const withValue = value.with ?? {};
  if (!expectMapping(sink, [...path, 'with'], withValue, `${label} with`)) return undefined;
  const { connector: connectorName, ...inputs } = withValue;
  const before = input.mark();
  const connector = resolveConnector(
    op,
    connectorName,
    [...path, 'with', 'connector'],
    sink,
    ctx,
    label,
  );
  checkActionInputs(op, inputs, [...path, 'with'], sink, label, input);
  input.checkTemplates([...path, 'with'], withoutComputed(inputs, op));
  if (!connector || input.erredSince(before)) return undefined;
  return { operation: op.name, connector: connector.name, connectorType: connector.type, inputs };
}
