import type { Severity } from '../../ingest/canonical-event.js';
import type { CallablePlaybook, DeclaredInput } from '../kinds/call/call-definition.js';
import type { KnownStateDefinition } from '../kinds/registry.js';
import type { ConnectorRoutes } from '../../actions/connectors/route/routes.js';
import type { TriggerFilters } from './trigger-filters.js';

/**
 * A validated playbook with every default applied and every reference resolved. This, not
 * the YAML, is what gets compiled, hashed and stored with runs: a run always resumes on the
 * exact definition it started with, even after the file changes.
 */
export interface PlaybookDefinition {
  readonly apiVersion: 'cordon/v1';
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly trigger: TriggerFilters & {
    /** Rule keys (name or id) whose incidents start this playbook. */
    readonly rules: readonly string[];
    /** Empty = any severity. */
    readonly severities: readonly Severity[];
    /**
     * `on.every_match: true`: every match of the incident that passes the trigger starts a run
     * (one per match); absent: at most one run per incident, by the first match that passes.
     */
    readonly everyMatch?: true;
  };
  /**
   * What a caller passes (`call.inputs`), read as `run.inputs.<name>`; absent = none. A
   * playbook with `on: { call: true }` has no rules and runs only when called.
   */
  readonly inputs?: Readonly<Record<string, DeclaredInput>>;
  readonly start: string;
  readonly states: Readonly<Record<string, StateDefinition>>;
  /**
   * Whether each connector its expressions name (`connectors.<name>.enabled`) was enabled when
   * the playbook was loaded; absent = none named. Stored with runs, so a run keeps the branch
   * its configuration chose even after connectors/ changes.
   */
  readonly connectors?: Readonly<Record<string, { readonly enabled: boolean }>>;
}

/**
 * What every state definition has. Each kind (src/playbook/kinds/<kind>/) defines its own
 * shape extending this; the shared machinery reads only `kind` and asks the registry.
 */
export interface BaseStateDefinition {
  readonly kind: string;
}

/** One state, with defaults applied: a definition of one of the registry's kinds. */
export type StateDefinition = KnownStateDefinition;

export type { ActionStateDefinition } from '../kinds/action/action-definition.js';
export type { ApprovalStateDefinition } from '../kinds/approval/approval-definition.js';
export type { EndOutcome, EndStateDefinition } from '../kinds/end/end-kind.js';
export type { ChoiceStateDefinition } from '../kinds/choice/choice-kind.js';
export type { WaitStateDefinition } from '../kinds/wait/wait-kind.js';
export type { CallStateDefinition } from '../kinds/call/call-definition.js';

/** What validation needs to know about the rest of the installation. */
export interface PlaybookContext {
  /** Action connectors by name → type. */
  readonly connectors: ReadonlyMap<string, string>;
  /**
   * Action connectors defined with `enabled: false`, by name → how to enable them (type and
   * the secrets it needs), so a playbook naming one is told it is disabled, not undefined.
   */
  readonly disabledConnectors?: ReadonlyMap<string, DisabledConnector>;
  /**
   * Route connectors (type route): an action naming one is bound at validation to the first
   * enabled instance the route lists for its operation; absent = no routes.
   */
  readonly routes?: ConnectorRoutes;
  /**
   * Disabled connectors the playbook being validated tests with `connectors.<name>.enabled`:
   * its states may act on them (only a branch taken while they are enabled reaches them).
   */
  readonly guardedConnectors?: ReadonlySet<string>;
  /**
   * Rules that open incidents, by key (name or id) → their group-by field names. Undefined
   * when rules are not known (the playbook is validated alone); references are then not checked.
   */
  readonly rules: ReadonlyMap<string, readonly string[]> | undefined;
  /** Rule key (name or id) → its tags (what its incidents carry); undefined = not checked. */
  readonly ruleTags?: ReadonlyMap<string, readonly string[]>;
  /** Source connector names (connectors/ with kind source); undefined = not checked. */
  readonly sources?: readonly string[];
  /**
   * The installation's playbooks by id (what call states may name), read from every file
   * before any is validated; undefined = not known (calls are then not checked).
   */
  readonly playbooks?: ReadonlyMap<string, CallablePlaybook>;
}

/** A connectors/ instance that exists but is switched off. */
export interface DisabledConnector {
  readonly type: string;
  /** `env NAME` / `file /path` for every secret it needs once enabled. */
  readonly secrets: readonly string[];
}
