import { isMapping } from '../../../shared/shape.js';
import { STATE_KINDS } from '../registry.js';
import type { CallablePlaybook, DeclaredInput } from './call-definition.js';

/**
 * The call graph of a set of playbook documents, read from their raw YAML (before validation,
 * so a call may name a playbook defined later or in another file). Lenient: a malformed
 * document contributes what it can; its own validation reports the rest.
 */
export function callableIndex(
  docs: readonly { readonly value: unknown; readonly at: string }[],
): Map<string, CallablePlaybook> {
  const out = new Map<string, CallablePlaybook>();
  const recording = STATE_KINDS.filter((k) => k.recordsStep).map((k) => k.key);
  for (const { value, at } of docs) {
    if (!isMapping(value) || typeof value.id !== 'string' || out.has(value.id)) continue;
    const states = isMapping(value.states) ? value.states : {};
    const calls: string[] = [];
    const stepStates: string[] = [];
    for (const [name, raw] of withBranchStates(states)) {
      if (recording.some((k) => k in raw)) stepStates.push(name);
      if (isMapping(raw.call) && typeof raw.call.playbook === 'string')
        calls.push(raw.call.playbook);
    }
    out.set(value.id, { at, inputs: declaredInputs(value.inputs), calls, stepStates });
  }
  return out;
}

/**
 * Every state of a raw playbook with its name, those inside parallel branches too (a branch
 * may call, and its actions are steps as top-level ones are).
 */
function withBranchStates(states: Record<string, unknown>): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const [name, raw] of Object.entries(states)) {
    if (!isMapping(raw)) continue;
    out.push([name, raw]);
    const branches = isMapping(raw.parallel) ? raw.parallel.branches : undefined;
    if (!isMapping(branches)) continue;
    for (const branch of Object.values(branches))
      if (isMapping(branch) && isMapping(branch.states))
        for (const [inner, rawInner] of Object.entries(branch.states))
          if (isMapping(rawInner)) out.push([inner, rawInner]);
  }
  return out;
}

/** `inputs: { <name>: { required?, description? } }` read leniently (validated elsewhere). */
export function declaredInputs(raw: unknown): Record<string, DeclaredInput> | undefined {
  if (!isMapping(raw)) return undefined;
  return Object.fromEntries(
    Object.entries(raw).map(([name, spec]) => [
      name,
      {
        required: !isMapping(spec) || spec.required !== false,
        description:
          isMapping(spec) && typeof spec.description === 'string' ? spec.description : '',
      },
    ]),
  );
}

/**
 * The call path that leads from `callee` back to `caller` (`[caller, callee, …, caller]`), or
 * undefined when none does.
 */
export function callCycle(
  index: ReadonlyMap<string, CallablePlaybook>,
  caller: string,
  callee: string,
): string[] | undefined {
  const seen = new Set<string>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    if (id === caller) return path;
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const next of index.get(id)?.calls ?? []) {
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(callee, [caller, callee]);
}

/** The longest chain of calls starting at `id` (its own call counts 1), cycles cut. */
export function callDepth(
  index: ReadonlyMap<string, CallablePlaybook>,
  id: string,
  seen: ReadonlySet<string> = new Set(),
): { depth: number; chain: string[] } {
  let best = { depth: 0, chain: [id] };
  if (seen.has(id)) return best;
  const inner = new Set([...seen, id]);
  for (const next of index.get(id)?.calls ?? []) {
    const sub = callDepth(index, next, inner);
    if (sub.depth + 1 > best.depth) best = { depth: sub.depth + 1, chain: [id, ...sub.chain] };
  }
  return best;
}
