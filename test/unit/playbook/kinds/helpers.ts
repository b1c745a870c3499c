import { readFileSync } from 'node:fs';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { buildPlaybooks } from '../../../../src/playbook/definition/build-playbooks.js';
import type {
  CompiledPlaybook,
  RunContext,
  RunEvent,
} from '../../../../src/playbook/definition/compile-playbook.js';
import type { PlaybookContext } from '../../../../src/playbook/definition/types.js';
import type { Diagnostic } from '../../../../src/shared/diagnostics.js';
import { toEffects, type Effect } from '../../../../src/playbook/runtime/effects.js';
import { SHIPPED_ROUTES } from '../../../helpers/shipped-routes.js';

export const CTX: PlaybookContext = {
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
  ]),
  routes: SHIPPED_ROUTES,
  rules: new Map([['model_extraction_by_query_volume', ['api_key']]]),
};

export const RUN_ID = 'run-kinds';
export const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);

/** Builds YAML text the way `cordon validate` does. */
export function build(text: string, file = 'playbooks/test.yaml') {
  return buildPlaybooks([{ file, text }], CTX);
}

export function buildFile(relative: string): CompiledPlaybook {
  const text = readFileSync(new URL(`../../../../${relative}`, import.meta.url), 'utf8');
  const { playbooks, diagnostics } = build(text, relative);
  const [compiled] = playbooks ?? [];
  if (!compiled) throw new Error(`${relative} does not build: ${JSON.stringify(diagnostics)}`);
  return compiled;
}

export function errors(text: string): Diagnostic[] {
  return build(text).diagnostics.filter((d) => d.severity === 'error');
}

/** A playbook around `states` (YAML lines indented by 2 under `states:`). */
export function playbook(start: string, states: string): string {
  return `id: kinds\non:\n  correlation: model_extraction_by_query_volume\nstart: ${start}\nstates:\n${states}`;
}

/** Drives a compiled machine with xstate's pure functions, as the runner does. */
export class Run {
  snapshot: AnyMachineSnapshot;
  step = 1;
  effects: Effect[];

  constructor(
    readonly compiled: CompiledPlaybook,
    incident: Record<string, unknown>,
    at = T0,
    steps: RunContext['steps'] = {},
  ) {
    const input: RunContext = {
      incident,
      run: { id: RUN_ID, playbook: compiled.definition.id, startedAt: at },
      steps,
      approvals: {},
      gate: null,
    };
    const [snapshot, actions] = initialTransition(compiled.machine, input);
    this.snapshot = snapshot;
    this.effects = toEffects(actions, RUN_ID, { state: this.state, step: 1, prevStep: 0, at });
  }

  get state(): string {
    return String(this.snapshot.value);
  }

  get context(): RunContext {
    return this.snapshot.context as RunContext;
  }

  /** Applies `event` stamped with `at`, as the runner does. */
  send(event: RunEvent, at: number): this {
    const [next, actions] = transition(this.compiled.machine, this.snapshot, {
      ...event,
      at,
    });
    const ignored =
      String(next.value) === this.state &&
      actions.length === 0 &&
      next.context === this.snapshot.context;
    this.snapshot = next;
    if (!ignored) {
      const prevStep = this.step;
      this.step += 1;
      this.effects = toEffects(actions, RUN_ID, {
        state: this.state,
        step: this.step,
        prevStep,
        at,
      });
    }
    return this;
  }
}
