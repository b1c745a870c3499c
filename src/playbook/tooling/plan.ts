import type { CompiledPlaybook, RunContext } from '../definition/compile-playbook.js';
import { describeTrigger } from '../definition/trigger-filters.js';
import { FAILED_STATE } from '../definition/failed-state.js';
import { stateKind } from '../kinds/registry.js';
import type { DryRunExit, DryRunStep, PlannedCall } from '../kinds/tooling.js';
import { formatDurationMs } from '../../shared/duration.js';
import { MAX_CALL_DEPTH } from '../kinds/call/call-definition.js';

/**
 * What a call state's sub-run would do: the key of its plan among the top-level plan's
 * `subRuns` (the called playbook's own plan for the same incident and the rendered inputs,
 * listed once however many paths make the call), or why it is not planned.
 */
export type SubPlan =
  | {
      readonly run: string;
      /**
       * How this path leaves the call (`succeeded`, `failed`) and the sub-run's paths
       * (1-based) that end so: resolved for `succeeded`, failed or cancelled for `failed` (a
       * person may cancel any sub-run too, and outputs that do not render fail the call).
       * Absent when the plan cannot tell, on a timeout, and for a losing branch's call.
       */
      readonly join?: { readonly via: string; readonly subPaths: readonly number[] };
    }
  | { readonly unplanned: string };

/** A side effect on one path, with what lets it happen. */
export interface PlanCall extends PlannedCall {
  /** Set for a call state (operation `playbook.call`) when the plan can see other playbooks. */
  readonly sub?: SubPlan;
  /** `automatic`: nobody is asked; otherwise the approval state whose "approved" it follows. */
  readonly gate: { readonly automatic: true } | { readonly approval: string };
  /** Set for a call inside a parallel state's branch: the branch's name. */
  readonly branch?: string;
  /**
   * Set for a call of a branch that loses a join `any` on this path: it happens only if the
   * branch makes it before the named winning branch resolves (then it is withdrawn).
   */
  readonly unlessWon?: string;
}

/** An undo the runner performs by itself once a call's `expires` passes (an expiry). */
export interface PlanExpiry {
  readonly state: string;
  /** The call it takes back, and the undo's own operation. */
  readonly operation: string;
  readonly undo: string;
  /** After the call is made. */
  readonly afterMs: number;
  /** The call may not happen on this path (a losing branch of a join `any`). */
  readonly unlessWon?: string;
}

export interface PlanHop {
  readonly state: string;
  /** The exit of the previous state that led here (`succeeded`, `approved`, a condition …). */
  readonly via?: string;
  /** Set for a state inside a parallel state's branch: the branch's name. */
  readonly branch?: string;
}

export interface PlanPath {
  readonly hops: readonly PlanHop[];
  readonly calls: readonly PlanCall[];
  /** How the path ends: a final state's outcome, or a loop back to a state already visited. */
  readonly end: { readonly outcome: string } | { readonly loopsTo: string };
  /** What the reader must know to read the path right (how a parallel state is summarised). */
  readonly notes: readonly string[];
  /** Calls taken back on this path, in the order the runner undoes them. */
  readonly undone: readonly PlanUndo[];
  /**
   * The expiry undos of the calls this path leaves applied, soonest first (each counted from
   * its call): the run's own timeline goes on after it ends with these.
   */
  readonly expiries: readonly PlanExpiry[];
}

/** One undo the runner performs on a path: a rejection's (undo_on_reject) or the failure's. */
export interface PlanUndo {
  readonly state: string;
  readonly operation: string;
  readonly reason: 'rejected' | 'failed';
  /** The call may not have been made (a losing branch of a join `any`): undone if it was. */
  readonly unlessWon?: string;
}

/** How one branch of a parallel state, or the run itself, ends on one path. */
interface Walk {
  readonly hops: PlanHop[];
  readonly calls: PlanCall[];
  readonly steps: RunContext['steps'];
  readonly notes: string[];
  /** The calls a rejection took back, with why (identity marks them as taken back). */
  readonly undone: { readonly call: PlanCall; readonly reason: 'rejected' }[];
  /** The calls that took effect (a failed action's did not: nothing to undo). */
  readonly applied: PlanCall[];
  /** Calls applied before the branch (for a rejection inside it, which undoes those too). */
  readonly before: PlanCall[];
  readonly end: PlanPath['end'];
}

type At = Omit<Walk, 'end'>;

export interface Plan {
  readonly playbook: string;
  readonly hash: string;
  /** What starts it (rules, severity, tags, source, group), in words. */
  readonly trigger: string;
  readonly paths: readonly PlanPath[];
  /** More paths than MAX_PATHS exist; the first ones are listed. */
  readonly truncated: boolean;
  /**
   * The sub-runs its calls start (and theirs), by the key a call's `sub.run` names: set on a
   * top-level plan made with the installation's playbooks.
   */
  readonly subRuns?: Readonly<Record<string, Plan>>;
  /**
   * Why paths were left out: each leaves a call as its sub-run resolving where none of the
   * sub-run's paths resolves (set when any was).
   */
  readonly leftOut?: readonly string[];
}

/** What planning a run needs besides its playbook and incident. */
export interface PlanOptions {
  /**
   * The installation's playbooks, by id (and a pinned version's hash): call states are then
   * planned into, their sub-runs' paths listed under the call. Without it a call is listed
   * with its inputs only.
   */
  readonly playbooks?: readonly CompiledPlaybook[];
  /** The sub-runs planned so far, shared by a plan and the sub-runs planned for it. */
  readonly subRuns?: SubRunTable;
  /** The inputs of a sub-run (its caller's, rendered). */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** How deep this run is among calls (0: a top-level run). */
  readonly depth?: number;
}

/** The distinct sub-runs of one plan, each planned once (by callee, version and inputs). */
interface SubRunTable {
  readonly byCall: Map<string, SubPlan>;
  readonly plans: Map<string, Plan>;
}

/** At most this many distinct sub-runs are planned for one plan; the rest say so. */
const MAX_SUB_RUNS = 64;

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
  options: PlanOptions = {},
): Plan {
  const def = compiled.definition;
  const context: RunContext = {
    incident,
    run: {
      id: 'plan',
      playbook: def.id,
      startedAt: now,
      ...(options.inputs ? { inputs: options.inputs } : {}),
    },
    steps: {},
    ...(def.connectors ? { connectors: def.connectors } : {}),
    approvals: {},
    gate: null,
  };
  const paths: PlanPath[] = [];
  let truncated = false;

  /**
   * Follows every way out of `state`. `branch` is set inside a parallel state's branch, whose
   * end states and failures end the branch (reported to `done`), not the run.
   */
  const walk = (
    state: string,
    at: At,
    approval: string | undefined,
    done: (walk: Walk) => void,
    branch?: string,
  ): void => {
    const { hops, calls, steps } = at;
    if (paths.length >= MAX_PATHS) {
      truncated = true;
      return;
    }
    if (state === FAILED_STATE) {
      done({ ...at, end: { outcome: 'failed' } });
      return;
    }
    if (hops.filter((h) => h.state === state).length > MAX_VISITS) {
      done({ ...at, hops: hops.slice(0, -1), end: { loopsTo: state } });
      return;
    }
    const stateDef = compiled.states[state];
    const kind = stateDef && stateKind(stateDef.kind);
    if (!stateDef || !kind) return;
    if (kind.resting === 'final') {
      done({ ...at, end: { outcome: kind.outcome?.(stateDef) ?? 'resolved' } });
      return;
    }
    const step = kind.dryRun?.(stateDef, {
      name: state,
      context: { ...context, steps },
      known: 'incident',
    });
    if (step?.parallel) {
      joinBranches(state, step, at, approval, done, branch);
      return;
    }
    // An approval's escalation notifications: made on any way out if nobody decided in time.
    const timedCalls: PlanCall[] = (step?.timed ?? []).flatMap((t) =>
      t.call
        ? [
            {
              ...t.call,
              gate: { automatic: true as const },
              ...(branch === undefined ? {} : { branch }),
            },
          ]
        : [],
    );
    const roleNotes = (step?.timed ?? [])
      .filter((t) => !t.call && t.roles.length > 0)
      .map(
        (t) =>
          `approval "${state}" ${t.set ? 'sets its roles to' : 'adds roles'} ${t.roles.join(', ')} if undecided after ${formatDurationMs(t.afterMs)}`,
      );
    const withCall = step?.call
      ? [
          ...calls,
          ...timedCalls,
          {
            ...step.call,
            gate: approval === undefined ? { automatic: true as const } : { approval },
            ...(branch === undefined ? {} : { branch }),
          },
        ]
      : [...calls, ...timedCalls];
    for (const exit of step?.exits ?? []) {
      walk(
        exit.to,
        {
          hops: [...hops, { state: exit.to, via: exit.label, ...(branch ? { branch } : {}) }],
          calls: withCall,
          // The step ran on this path (its result is not known): what reads it is decided later.
          steps: kind.recordsStep
            ? {
                ...steps,
                [state]: { status: exit.label === 'failed' ? 'failed' : 'succeeded', attempts: 0 },
              }
            : steps,
          notes: [...at.notes, ...roleNotes],
          before: at.before,
          applied:
            step?.call && exit.label !== 'failed'
              ? [...at.applied, ...withCall.slice(-1)]
              : at.applied,
          undone: rejects(exit, [...at.before, ...at.applied], at.undone),
        },
        exit.approved ? state : approval,
        done,
        branch,
      );
    }
  };

  /**
   * A parallel state, summarised: each branch's paths are walked on their own, and every
   * combination of them is one path, its branches listed one after the other (in a run they
   * interleave). The join's first exit is taken when the combination resolves it (all: every
   * branch resolved; any: one did), its second otherwise. With `any` the other branches are
   * withdrawn when one resolves, so not every call they list need happen.
   */
  const joinBranches = (
    state: string,
    step: DryRunStep,
    at: At,
    approval: string | undefined,
    done: (walk: Walk) => void,
    branch: string | undefined,
  ): void => {
    const spec = step.parallel as NonNullable<DryRunStep['parallel']>;
    const [joined, notJoined] = step.exits;
    if (!joined || !notJoined) return;
    const perBranch = spec.branches.map((b) => {
      const ends: Walk[] = [];
      walk(
        b.start,
        {
          hops: [{ state: b.start, branch: b.name }],
          calls: [],
          steps: at.steps,
          notes: [],
          before: [...at.before, ...at.applied],
          applied: [],
          undone: at.undone,
        },
        approval,
        (w) => ends.push(w),
        b.name,
      );
      return ends;
    });
    const names = spec.branches.map((b) => b.name);
    const isResolved = (w: Walk): boolean => 'outcome' in w.end && w.end.outcome === 'resolved';
    /** Walks on, past the join, with the branches as `chosen` (the winner's index, if any). */
    const join = (chosen: readonly Walk[], winner: number | undefined): void => {
      const resolved = chosen.map(isResolved);
      const exit = (spec.join === 'all' ? resolved.every(Boolean) : resolved.some(Boolean))
        ? joined
        : notJoined;
      const loops = chosen.flatMap((w, j) =>
        'loopsTo' in w.end ? [`branch ${names[j]} loops to ${w.end.loopsTo}`] : [],
      );
      const won = winner === undefined ? undefined : names[winner];
      // A losing branch's calls happen only if made before the winner resolved.
      const lost = (w: Walk, j: number): PlanCall[] =>
        won === undefined || j === winner
          ? w.calls
          : w.calls.map((c) => ({ ...c, unlessWon: won }));
      const marked = new Map(chosen.flatMap((w, j) => w.calls.map((c, k) => [c, lost(w, j)[k]])));
      const mark = (c: PlanCall): PlanCall => marked.get(c) ?? c;
      const note =
        won !== undefined
          ? `${state}: branch ${won} resolves first and wins; ${names.filter((n) => n !== won).join(', ')} ${names.length > 2 ? 'are' : 'is'} withdrawn then, so a call of theirs marked "unless ${won} won first" happens only if made before that.`
          : spec.join === 'any'
            ? `${state}: no branch resolves: every branch runs to its end, then the join fails.`
            : `${state}: branches run at the same time and every one runs to its end; their states and calls are listed branch by branch, not in the order they happen.`;
      walk(
        exit.to,
        {
          hops: [
            ...at.hops,
            ...chosen.flatMap((w) => w.hops),
            { state: exit.to, via: exit.label, ...(branch ? { branch } : {}) },
          ],
          calls: [...at.calls, ...chosen.flatMap((w) => w.calls.map(mark))],
          steps: Object.assign({}, at.steps, ...chosen.map((w) => w.steps)) as RunContext['steps'],
          before: at.before,
          applied: [...at.applied, ...chosen.flatMap((w) => w.applied.map(mark))],
          // Two branches rejecting take an earlier call back once.
          undone: [
            ...new Map(
              [...at.undone, ...chosen.flatMap((w) => w.undone)].map((u) => [
                u.call,
                { ...u, call: mark(u.call) },
              ]),
            ).values(),
          ],
          notes: [
            ...at.notes,
            note,
            ...chosen.flatMap((w) => w.notes),
            ...(loops.length > 0 ? [`${state}: ${loops.join(', ')} (cut there).`] : []),
          ],
        },
        approval,
        done,
        branch,
      );
    };
    /**
     * Join `any`: one path per branch that can win (resolve first). A losing branch is cut
     * when the winner resolves, so how it would have ended does not matter: of its walks, one
     * per distinct list of calls is kept (its states listed as far as that walk goes).
     */
    const seen = new Set<string>();
    const combine = (i: number, chosen: Walk[]): void => {
      if (paths.length >= MAX_PATHS) {
        truncated = true;
        return;
      }
      const ends = perBranch[i];
      if (ends !== undefined) {
        for (const w of ends) combine(i + 1, [...chosen, w]);
        return;
      }
      const winners = chosen.flatMap((w, j) => (isResolved(w) ? [j] : []));
      if (spec.join === 'all' || winners.length === 0) {
        join(chosen, undefined);
        return;
      }
      for (const winner of winners) {
        const key = JSON.stringify([
          winner,
          chosen.map((w, j) => (j === winner ? w.hops : w.calls.map((c) => c.state))),
        ]);
        if (seen.has(key)) continue;
        seen.add(key);
        join(chosen, winner);
      }
    };
    combine(0, []);
  };

  const finish = (w: Walk): void => {
    const unless = (call: PlanCall) =>
      call.unlessWon === undefined ? {} : { unlessWon: call.unlessWon };
    const undone: PlanUndo[] = w.undone.map(({ call, reason }) => ({
      state: call.state,
      operation: (call.undo as NonNullable<PlanCall['undo']>).operation,
      reason,
      ...unless(call),
    }));
    // A run that fails takes back, newest first, every effect still applied.
    if ('outcome' in w.end && w.end.outcome === 'failed') {
      const taken = new Set(w.undone.map((u) => u.call));
      for (const call of [...w.applied].reverse())
        if (call.undo && !taken.has(call))
          undone.push({
            state: call.state,
            operation: call.undo.operation,
            reason: 'failed',
            ...unless(call),
          });
    }
    // What the run leaves applied is taken back by its expiries, soonest first.
    const gone = new Set([...w.undone.map((u) => u.call)]);
    const failed = 'outcome' in w.end && w.end.outcome === 'failed';
    const expiries: PlanExpiry[] = failed
      ? []
      : w.applied
          .filter((c) => c.undo?.expiresMs !== undefined && !gone.has(c))
          .map((c) => ({
            state: c.state,
            operation: c.operation,
            undo: (c.undo as NonNullable<PlanCall['undo']>).operation,
            afterMs: c.undo?.expiresMs ?? 0,
            ...(c.unlessWon === undefined ? {} : { unlessWon: c.unlessWon }),
          }))
          .sort((a, b) => a.afterMs - b.afterMs);
    paths.push({ hops: w.hops, calls: w.calls, end: w.end, notes: w.notes, undone, expiries });
  };
  walk(
    def.start,
    {
      hops: [{ state: def.start }],
      calls: [],
      steps: {},
      notes: [],
      before: [],
      applied: [],
      undone: [],
    },
    undefined,
    finish,
  );
  return {
    playbook: def.id,
    hash: compiled.hash,
    trigger: describeTrigger(def.trigger),
    ...subRunsOf(paths, incident, now, options),
    truncated,
  };
}

/** The paths with their calls' sub-runs planned, and (top level) the table of those plans. */
function subRunsOf(
  paths: PlanPath[],
  incident: Readonly<Record<string, unknown>>,
  now: number,
  options: PlanOptions,
): { paths: PlanPath[]; subRuns?: Record<string, Plan>; leftOut?: string[] } {
  if (!options.playbooks) return { paths };
  const table: SubRunTable = options.subRuns ?? {
    byCall: new Map<string, SubPlan>(),
    plans: new Map<string, Plan>(),
  };
  const planned = withSubPlans(paths, incident, now, { ...options, subRuns: table });
  const { kept, leftOut } = possible(planned, table);
  const out = leftOut.length > 0 ? { paths: kept, leftOut } : { paths: kept };
  // A sub-run's plan leaves its own to the top-level table.
  return options.subRuns ? out : { ...out, subRuns: Object.fromEntries(table.plans) };
}

/**
 * The paths with each call state's sub-run planned into the table (the same sub-run, with the
 * same inputs, once): as the runner starts it, the current version of the called playbook or
 * the pinned one, with the incident and the call's rendered inputs; not past MAX_CALL_DEPTH.
 */
function withSubPlans(
  paths: readonly PlanPath[],
  incident: Readonly<Record<string, unknown>>,
  now: number,
  options: PlanOptions & { readonly subRuns: SubRunTable },
): PlanPath[] {
  const depth = (options.depth ?? 0) + 1;
  const table = options.subRuns;
  const subPlan = (call: PlanCall): SubPlan | undefined => {
    const callee = call.callee;
    if (!callee) return undefined;
    const key = JSON.stringify([callee.playbook, callee.version, call.inputs, call.unresolved]);
    const known = table.byCall.get(key);
    if (known) return known;
    if (table.plans.size >= MAX_SUB_RUNS) {
      const sub = {
        unplanned: `more than ${MAX_SUB_RUNS} distinct sub-runs; the first are listed`,
      };
      table.byCall.set(key, sub);
      return sub;
    }
    const unplanned = whyUnplanned(callee, call, { ...options, depth });
    if (typeof unplanned === 'string') {
      const sub = { unplanned };
      table.byCall.set(key, sub);
      return sub;
    }
    // Named before it is planned: a sub-run that (through others) calls the same again with
    // the same inputs refers to this one rather than planning without end.
    const run = `S${table.plans.size + 1}`;
    const sub = { run };
    table.byCall.set(key, sub);
    table.plans.set(run, EMPTY_PLAN);
    table.plans.set(
      run,
      planRun(unplanned, incident, now, { ...options, depth, inputs: call.inputs }),
    );
    return sub;
  };
  return paths.map((path) => {
    const seen = new Map<string, number>();
    return {
      ...path,
      calls: path.calls.map((call) => {
        const sub = subPlan(call);
        if (!sub) return call;
        // The k-th call of a state is made on its k-th visit (a call state calls every time).
        const k = seen.get(call.state) ?? 0;
        seen.set(call.state, k + 1);
        // A losing branch's call is withdrawn: how it ends decides nothing on this path.
        const via =
          'run' in sub && call.unlessWon === undefined
            ? exitTaken(path.hops, call.state, k)
            : undefined;
        const plan = 'run' in sub ? table.plans.get(sub.run) : undefined;
        const subPaths = via && plan ? endingAs(plan, via) : undefined;
        return { ...call, sub: subPaths && via ? { ...sub, join: { via, subPaths } } : sub };
      }),
    };
  });
}

/**
 * The exit a path takes from the k-th visit of `state`: the `via` of the next hop in the same
 * branch; undefined when the path ends there (a loop) or leaves the branch.
 */
function exitTaken(hops: readonly PlanHop[], state: string, k: number): string | undefined {
  let visits = 0;
  for (let i = 0; i < hops.length; i += 1) {
    const hop = hops[i] as PlanHop;
    if (hop.state !== state || visits++ !== k) continue;
    const next = hops[i + 1];
    return next && next.branch === hop.branch ? next.via : undefined;
  }
  return undefined;
}

/**
 * The sub-run's paths (1-based) that end as a call's exit `via` needs; undefined when its plan
 * cannot tell (being planned, cut short, or `via` not decided by how the sub-run ends).
 */
function endingAs(plan: Plan, via: string): number[] | undefined {
  if (plan.truncated || plan.paths.length === 0) return undefined;
  const wanted =
    via === 'succeeded'
      ? (o: string) => o === 'resolved'
      : via === 'failed'
        ? (o: string) => o !== 'resolved'
        : undefined;
  if (!wanted) return undefined;
  return plan.paths.flatMap((p, i) => ('outcome' in p.end && wanted(p.end.outcome) ? [i + 1] : []));
}

/**
 * The paths that can happen: a path that leaves a call as its sub-run resolving, where the
 * sub-run has no path that resolves and none that loops (and may yet resolve), cannot; with
 * why each group was left out.
 */
function possible(
  paths: readonly PlanPath[],
  table: SubRunTable,
): {
  kept: PlanPath[];
  leftOut: string[];
} {
  const why = new Map<string, number>();
  const kept = paths.filter((path) => {
    const never = path.calls.find((call) => {
      const sub = call.sub;
      if (!sub || !('run' in sub) || sub.join?.via !== 'succeeded' || sub.join.subPaths.length > 0)
        return false;
      const plan = table.plans.get(sub.run);
      return plan !== undefined && plan.paths.every((p) => 'outcome' in p.end);
    });
    if (!never?.sub || !('run' in never.sub)) return true;
    const reason = `leaving state "${never.state}" as its sub-run ${never.sub.run} resolves, which none of ${never.sub.run}'s paths does`;
    why.set(reason, (why.get(reason) ?? 0) + 1);
    return false;
  });
  return { kept, leftOut: [...why].map(([reason, n]) => `${n} path(s) ${reason}`) };
}

/** Placeholder of a sub-run being planned (see withSubPlans). */
const EMPTY_PLAN: Plan = { playbook: '', hash: '', trigger: '', paths: [], truncated: false };

/** The playbook a call's sub-run runs, as the runner would start it, or why it is not planned. */
function whyUnplanned(
  callee: NonNullable<PlanCall['callee']>,
  call: PlanCall,
  options: PlanOptions & { readonly depth: number },
): CompiledPlaybook | string {
  if (call.refused) return 'the runner refuses the call (above), so no sub-run starts';
  if (options.depth > MAX_CALL_DEPTH)
    return `calls nest deeper than ${MAX_CALL_DEPTH}, where the runner refuses the call`;
  const current = (options.playbooks ?? []).find((p) => p.definition.id === callee.playbook);
  if (!current) return `playbook "${callee.playbook}" is not among the playbooks`;
  if (callee.version !== undefined && callee.version !== current.hash)
    return `the call pins version ${callee.version.slice(0, 12)} of "${callee.playbook}", and the playbooks hold ${current.hash.slice(0, 12)}; plan that version's file to see its run`;
  if (call.unresolved.length > 0)
    return `its inputs ${call.unresolved.join(', ')} are known only when the step runs`;
  const missing = Object.entries(current.definition.inputs ?? {})
    .filter(([name, spec]) => spec.required && call.inputs[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0)
    return `playbook "${callee.playbook}" requires input ${missing.join(', ')}, which the call does not pass: the runner refuses it`;
  return current;
}

/**
 * The calls an exit takes back: a rejection (the exit's event is the runner's
 * `approval.rejected`) undoes, newest first, those marked undo_on_reject not yet undone.
 */
function rejects(
  exit: DryRunExit,
  made: readonly PlanCall[],
  undone: Walk['undone'],
): Walk['undone'] {
  if (exit.event?.({ at: 0, by: [] }).type !== 'approval.rejected') return undone;
  const taken = new Set(undone.map((u) => u.call));
  const more = [...made]
    .reverse()
    .filter((c) => c.undo?.onReject === true && !taken.has(c))
    .map((call) => ({ call, reason: 'rejected' as const }));
  return [...undone, ...more];
}

/** The plan as people read it: one block per path, each call with its rendered inputs. */
export function formatPlan(plan: Plan, incidentId: string): string {
  const lines = [
    `Playbook ${plan.playbook} (version ${plan.hash.slice(0, 12)}) for incident ${incidentId}: ${plan.paths.length}${plan.truncated ? '+' : ''} path(s). Nothing was performed.`,
    `Trigger: ${plan.trigger}.`,
    ...pathLines(plan),
  ];
  // Each sub-run once, after the paths that start it, its lines marked `|`.
  for (const [run, sub] of Object.entries(plan.subRuns ?? {}))
    lines.push(
      '',
      `Sub-run ${run}: playbook ${sub.playbook} (version ${sub.hash.slice(0, 12)}), ${sub.paths.length}${sub.truncated ? '+' : ''} path(s):`,
      ...pathLines(sub).map((l) => (l === '' ? '|' : `| ${l}`)),
    );
  return `${lines.join('\n')}\n`;
}

/** A plan's paths as people read them (a sub-run's too). */
function pathLines(plan: Plan): string[] {
  const lines: string[] = [];
  // The implicit end a failed action leads to is `failed` to readers (as cordon graph draws
  // it), `__failed` only inside; kept so if the playbook's own `failed` state is on a path too.
  const ownFailed = plan.paths.some((p) => p.hops.some((h) => h.state === 'failed'));
  const shown = (state: string): string =>
    state === FAILED_STATE && !ownFailed ? 'failed' : state;
  plan.paths.forEach((path, i) => {
    const route = formatRoute(path.hops, shown);
    const end = 'outcome' in path.end ? `ends ${path.end.outcome}` : `loops to ${path.end.loopsTo}`;
    lines.push('', `Path ${i + 1} (${end}): ${route}`);
    for (const note of path.notes) lines.push(`  note: ${note}`);
    if (path.calls.length === 0) lines.push('  no side effects');
    path.calls.forEach((call, j) => {
      const gate =
        'approval' in call.gate
          ? `after approval "${call.gate.approval}"`
          : `AUTOMATIC${call.mutating ? ', changes production' : ', read-only'}`;
      // The route that picked the connector, in graph's words: `on gateway (via traffic, …`.
      const where = `${call.via ? `via ${call.via}, ` : ''}state ${call.state}${call.branch ? `, branch ${call.branch}` : ''}`;
      const when = call.escalation
        ? `ESCALATION if undecided after ${formatDurationMs(call.escalation.afterMs)}${call.escalation.roles.length ? `, ${call.escalation.set ? 'sets roles to' : 'adds roles'} ${call.escalation.roles.join(', ')}` : ''}, read-only`
        : gate;
      const unless = call.unlessWon ? ` - unless ${call.unlessWon} won first` : '';
      lines.push(
        `  ${j + 1}. ${call.operation} on ${call.connector} (${where}) - ${when}${unless}`,
      );
      if (call.undo) {
        const expires = call.undo.expiresMs
          ? `, expires ${formatDurationMs(call.undo.expiresMs)} (undone then)`
          : '';
        const onReject = call.undo.onReject ? ', undone if a later approval is rejected' : '';
        lines.push(`       undo: ${call.undo.operation}${expires}${onReject}`);
      }
      for (const [key, value] of Object.entries(call.inputs)) {
        const later = call.unresolved.includes(key) ? '   (rendered when the step runs)' : '';
        lines.push(`       ${key}: ${JSON.stringify(value)}${later}`);
      }
      if (call.refused)
        lines.push(
          `       REFUSED: ${call.refused.message} [${call.refused.code}] - the step fails`,
        );
      if (call.sub && 'run' in call.sub) {
        lines.push(
          `       sub-run ${call.sub.run}: its paths and calls are under "Sub-run ${call.sub.run}"`,
        );
        const join = call.sub.join;
        if (join) lines.push(`       ${joinLine(call.sub.run, join)}`);
      } else if (call.sub) lines.push(`       sub-run not planned: ${call.sub.unplanned}`);
    });
    const undos = (reason: PlanUndo['reason']): string =>
      path.undone
        .filter((u) => u.reason === reason)
        .map(
          (u) =>
            `${u.operation} (state ${u.state}${u.unlessWon ? `, if made: unless ${u.unlessWon} won first` : ''})`,
        )
        .join(', ');
    if (undos('rejected')) lines.push(`  a rejection takes back: ${undos('rejected')}`);
    if (undos('failed'))
      lines.push(`  the run fails, taking back (newest first): ${undos('failed')}`);
    for (const e of path.expiries)
      lines.push(
        `  after ${formatDurationMs(e.afterMs)}: ${e.undo} takes back ${e.operation} (state ${e.state}, expiry)${e.unlessWon ? ` if it was made (unless ${e.unlessWon} won first)` : ''}`,
      );
  });
  for (const reason of plan.leftOut ?? []) lines.push('', `Left out: ${reason}.`);
  if (plan.truncated) lines.push('', `Only the first ${plan.paths.length} paths are listed.`);
  return lines;
}

/** Which of the sub-run's paths lead to this path's way out of the call. */
function joinLine(
  run: string,
  join: NonNullable<Extract<SubPlan, { run: string }>['join']>,
): string {
  const list = join.subPaths.join(', ');
  if (join.via === 'succeeded')
    return `this path: when ${run} resolves (its path${join.subPaths.length > 1 ? 's' : ''} ${list})`;
  // A sub-run that resolves with outputs its call cannot render fails the call too.
  return join.subPaths.length > 0
    ? `this path: when ${run} fails (its path${join.subPaths.length > 1 ? 's' : ''} ${list}) or is cancelled, or its outputs do not render`
    : `this path: only when ${run} is cancelled or its outputs do not render (no path of ${run} ends failed)`;
}

/**
 * `a --succeeded--> par {left: x --succeeded--> y | right: z} --all branches resolved--> b`:
 * a parallel state's branches in braces, one after the other.
 */
function formatRoute(hops: readonly PlanHop[], shown: (state: string) => string): string {
  let out = '';
  let branch: string | undefined;
  hops.forEach((h, j) => {
    if (h.branch !== branch) {
      if (branch !== undefined && h.branch === undefined) out += '}';
      if (h.branch !== undefined)
        out += branch === undefined ? ` {${h.branch}: ` : ` | ${h.branch}: `;
      branch = h.branch;
      if (h.branch !== undefined && h.via === undefined) {
        out += shown(h.state);
        return;
      }
    }
    out += j === 0 ? shown(h.state) : ` --${h.via ?? ''}--> ${shown(h.state)}`;
  });
  return branch === undefined ? out : `${out}}`;
}
