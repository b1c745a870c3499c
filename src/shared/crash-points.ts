/**
 * Named points where a process can be made to die abruptly (SIGKILL, no cleanup), so kill
 * tests can prove that a crash at the worst moment loses nothing and repeats no side effect.
 * Enabled only by CORDON_CRASH_POINTS; a no-op otherwise.
 */
export const CRASH_POINTS = [
  /** The action's side effect is done; its result is not yet reported to the run. */
  'action.after-effect',
  /** A step run in place by the job before it (RunRecord.held) did its effect; not yet reported. */
  'action.after-held-effect',
  /** An undo's side effect is done (the original taken back); its result is not yet reported. */
  'undo.after-effect',
  /** The run's new state is saved; its effects (jobs, approvals) are not yet created. */
  'run.after-save',
  /** A run is created (by its trigger, in place); its first effects are not yet performed. */
  'run.after-create',
  /** A sub-run ended and is saved; its parent is not yet told (the call has not resumed). */
  'call.before-resume',
  /** An event batch is correlated; its matches are not yet recorded as incidents. */
  'correlate.before-deliver',
  /** Matches are recorded; the correlation state is not yet checkpointed. */
  'correlate.before-checkpoint',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export type CrashHook = (point: CrashPoint) => void;

export function createCrashHook(enabled: readonly string[]): CrashHook {
  if (enabled.length === 0) return () => undefined;
  const armed = new Set(enabled);
  return (point) => {
    if (armed.has(point)) process.kill(process.pid, 'SIGKILL');
  };
}
