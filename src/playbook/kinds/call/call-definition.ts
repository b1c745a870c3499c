import type { BaseStateDefinition } from '../../definition/types.js';

/**
 * Another playbook as a sub-run: the child is a run of its own (own id, pinned to its
 * playbook's hash, `parent` set); the parent rests here until the child ends.
 */
export interface CallStateDefinition extends BaseStateDefinition {
  readonly kind: 'call';
  /** The called playbook's id. */
  readonly playbook: string;
  /** A pinned version (the playbook hash); undefined = the current version when the call starts. */
  readonly version: string | undefined;
  /** Inputs as written: values may hold {{ templates }} over the parent's scope. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * What the parent keeps in `steps.<state>.result` once the child resolved: name → template
   * over the child's scope (its incident, run with `outcome`, steps).
   */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** How long the child may take; past it the child is cancelled and the call fails. */
  readonly timeoutMs: number | undefined;
  readonly next: string;
  /** Where a call whose child did not resolve goes; undefined = the run ends failed. */
  readonly onFailure: string | undefined;
}

/**
 * Prefix of a call's effect id, which is also the child run's id: a run id like any other
 * (`run_<24 hex>`, what the API's run routes accept), derived from parent, state and step.
 * Kept here, with no imports, so the kind object can read it whichever module of the import
 * cycle through the registry loads first.
 */
export const CALL_ID_PREFIX = 'run';

/** How deep calls may nest (a parent's child's child …): a bound on runaway fan-out. */
export const MAX_CALL_DEPTH = 4;

/** The run a sub-run was started by (RunRecord.parent): where that run rests for it. */
export interface RunParent {
  readonly runId: string;
  readonly state: string;
  readonly step: number;
  /** 1 for a child of a top-level run, 2 for a grandchild … */
  readonly depth: number;
}

/** What a playbook declares it takes from a caller (`inputs:` at the top of the file). */
export interface DeclaredInput {
  readonly required: boolean;
  readonly description: string;
}

/**
 * What validating a call needs to know about the other playbooks of the installation, read
 * from their YAML before any of them is validated (calls may point forwards).
 */
export interface CallablePlaybook {
  /** `file:line` of its document, for messages. */
  readonly at: string;
  /** Declared inputs; undefined = it declares none (it takes no inputs). */
  readonly inputs: Readonly<Record<string, DeclaredInput>> | undefined;
  /** Playbook ids its call states name (top level only: branches cannot call). */
  readonly calls: readonly string[];
  /** Its states that record a step (`steps.<name>` an output template may read). */
  readonly stepStates: readonly string[];
}
