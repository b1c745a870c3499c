import type { CompiledPlaybook, RunContext } from '../definition/compile-playbook.js';
import { FAILED_STATE } from '../definition/failed-state.js';
import { stateKind } from '../kinds/registry.js';
import type { PlannedCall } from '../kinds/tooling.js';

/** A side effect on one path, with what lets it happen. */
export interface PlanCall extends PlannedCall {
  /** `automatic`: nobody is asked; otherwise the approval state whose "approved" it follows. */
  readonly gate: { readonly automatic: true } | { readonly approval: string };
}

export interface PlanHop {
  readonly state: string;
  /** The exit of the previous state that led here (`succeeded`, `approved`, a condition …). */
  readonly via?: string;
}

export interface PlanPath {
  readonly hops: readonly PlanHop[];
  readonly calls: readonly PlanCall[];
  /** How the path ends: a final state's outcome, or a loop back to a state already visited. */
  readonly end: { readonly outcome: string } | { readonly loopsTo: string };
}

export interface Plan {
  readonly playbook: string;
  readonly hash: string;
  readonly paths: readonly PlanPath[];
  /** More paths than MAX_PATHS exist; the first ones are listed. */
  readonly truncated: boolean;
}

const MAX_PATHS = 256;
/** A state entered this many times on one path ends it as a loop (retry cycles). */
const MAX_VISITS = 2;

/**
 * Every path a run of `compiled` can take for `incident`, and the calls each performs, without
 * performing any. Each state's kind says what it would call (inputs rendered as the runner
 * renders them) and which exits are possible: a choice the incident decides takes one branch;
 * choices on step results, approval outcomes, waits and action failures are all enumerated.
 */
export function planRun(
  compiled: CompiledPlaybook,
  incident: Readonly<Record<string, unknown>>,
  now = Date.now(),
): Plan {
  const def = compiled.definition;
  const context: RunContext = {
    incident,
    run: { id: 'plan', playbook: def.id, startedAt: now },
    steps: {},
    approvals: {},
    gate: null,
  };
  const paths: PlanPath[] = [];
  let truncated = false;

  const walk = (
    state: string,
    hops: PlanHop[],
    calls: PlanCall[],
    approval: string | undefined,
    steps: RunContext['steps'],
  ): void => {
    if (paths.length >= MAX_PATHS) {
      truncated = true;
      return;
    }
    if (state === FAILED_STATE) {
      paths.push({ hops, calls, end: { outcome: 'failed' } });
      return;
    }
    if (hops.filter((h) => h.state === state).length > MAX_VISITS) {
      paths.push({ hops: hops.slice(0, -1), calls, end: { loopsTo: state } });
      return;
    }
    const stateDef = def.states[state];
    const kind = stateDef && stateKind(stateDef.kind);
    if (!stateDef || !kind) return;
    if (kind.resting === 'final') {
      paths.push({
        hops,
        calls,
        end: { outcome: kind.outcome?.(stateDef) ?? 'resolved' },
      });
      return;
    }
    const step = kind.dryRun?.(stateDef, {
      name: state,
      context: { ...context, steps },
      known: 'incident',
    });
    const withCall = step?.call
      ? [
          ...calls,
          {
            ...step.call,
            gate: approval === undefined ? { automatic: true as const } : { approval },
          },
        ]
      : calls;
    for (const exit of step?.exits ?? []) {
      walk(
        exit.to,
        [...hops, { state: exit.to, via: exit.label }],
        withCall,
        exit.approved ? state : approval,
        // The step ran on this path (its result is not known): what reads it is decided later.
        kind.recordsStep
          ? {
              ...steps,
              [state]: { status: exit.label === 'failed' ? 'failed' : 'succeeded', attempts: 0 },
            }
          : steps,
      );
    }
  };
  walk(def.start, [{ state: def.start }], [], undefined, {});
  return { playbook: def.id, hash: compiled.hash, paths, truncated };
}

/** The plan as people read it: one block per path, each call with its rendered inputs. */
export function formatPlan(plan: Plan, incidentId: string): string {
  const lines = [
    `Playbook ${plan.playbook} (version ${plan.hash.slice(0, 12)}) for incident ${incidentId}: ${plan.paths.length}${plan.truncated ? '+' : ''} path(s). Nothing was performed.`,
  ];
  plan.paths.forEach((path, i) => {
    const route = path.hops
      .map((h, j) => (j === 0 ? h.state : `--${h.via ?? ''}--> ${h.state}`))
      .join(' ');
    const end = 'outcome' in path.end ? `ends ${path.end.outcome}` : `loops to ${path.end.loopsTo}`;
    lines.push('', `Path ${i + 1} (${end}): ${route}`);
    if (path.calls.length === 0) lines.push('  no side effects');
    path.calls.forEach((call, j) => {
      const gate =
        'approval' in call.gate
          ? `after approval "${call.gate.approval}"`
          : `AUTOMATIC${call.mutating ? ', changes production' : ', read-only'}`;
      lines.push(
        `  ${j + 1}. ${call.operation} on ${call.connector} (state ${call.state}) - ${gate}`,
      );
      for (const [key, value] of Object.entries(call.inputs)) {
        const later = call.unresolved.includes(key) ? '   (rendered when the step runs)' : '';
        lines.push(`       ${key}: ${JSON.stringify(value)}${later}`);
      }
      if (call.refused)
        lines.push(
          `       REFUSED: ${call.refused.message} [${call.refused.code}] - the step fails`,
        );
    });
  });
  if (plan.truncated) lines.push('', `Only the first ${plan.paths.length} paths are listed.`);
  return `${lines.join('\n')}\n`;
}
