import { describe, formatDurationMs } from '../../../shared/duration.js';
import { checkKeys, expectMapping, isMapping } from '../../../shared/shape.js';
import { computedSource } from '../../expressions/computed.js';
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
    // A computed delay is checked as CEL giving a duration; its value is known at run time
    // only (one that is not shorter than the timeout, or cannot be computed, never happens).
    const computed = computedSource(raw.after);
    if (computed !== undefined) {
      if (
        !input.checkComputed(
          [...at, 'after'],
          raw.after as string,
          'duration',
          `${stepLabel}.after`,
        )
      )
        ok = false;
    }
    const afterMs =
      computed !== undefined
        ? 0
        : durationOr(raw.after, 0, [...at, 'after'], sink, `${stepLabel}.after`, MAX_WAIT_MS);
    if (computed !== undefined) {
      // Order and timeout are checked when it is computed.
    } else if (raw.after !== undefined && afterMs > 0) {
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
    // `roles: [a]` or `{ add: [a] }` widens who may decide; `{ set: [a] }` replaces it.
    const rolesSpec = isMapping(raw.roles) ? raw.roles : undefined;
    const setRoles = rolesSpec !== undefined && 'set' in rolesSpec;
    if (rolesSpec !== undefined)
      checkKeys(sink, [...at, 'roles'], rolesSpec, `${stepLabel}.roles`, {
        optional: ['add', 'set'],
      });
    if (rolesSpec !== undefined && Object.keys(rolesSpec).length !== 1) {
      sink.error(
        [...at, 'roles'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${stepLabel}.roles must be a list of roles to add, { add: [...] } or { set: [...] } (the roles that may decide from then on), one of them.`,
      );
      ok = false;
    }
    const rawRoles = rolesSpec ? (setRoles ? rolesSpec.set : rolesSpec.add) : raw.roles;
    if (raw.roles !== undefined) {
      const list = toStringList(rawRoles);
      const machine = list?.filter(isMachineRole) ?? [];
      if (!list || !list.every((r) => /^[\w.-]{1,64}$/.test(r))) {
        sink.error(
          [...at, 'roles'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${stepLabel}.roles must be a list of role names (letters, digits, _ . -); got ${describe(rawRoles)}.`,
        );
        ok = false;
      } else if (setRoles && list.length === 0) {
        sink.error(
          [...at, 'roles', 'set'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${stepLabel}.roles.set is empty: nobody could decide from then on; name the roles that may (e.g. [soc-lead]).`,
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
    out.push({
      afterMs,
      ...(computed !== undefined ? { after: computed } : {}),
      roles,
      ...(setRoles ? { setRoles: true as const } : {}),
      ...(notify ? { notify } : {}),
    });
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
