import type { RunStore } from '../../store/run-store.js';
import { compilePlaybook, type CompiledPlaybook } from '../definition/compile-playbook.js';
import type { PlaybookDefinition } from '../definition/types.js';
import { filtersAccept, type TriggerFacts } from './trigger-match.js';

/**
 * The playbooks this process runs: the current set (from playbooks/) for triggering, and any
 * version by hash for resuming, loaded from Redis where every started run pinned its definition.
 */
export class PlaybookCatalog {
  readonly #byHash = new Map<string, CompiledPlaybook>();
  /** Versions stored (or being stored) by this process: concurrent triggers share one write. */
  readonly #pinned = new Map<string, Promise<void>>();

  constructor(
    private readonly current: readonly CompiledPlaybook[],
    private readonly runs: RunStore,
    /** Rule name or id → rule key (incidents carry keys; triggers may name either). */
    private readonly ruleKeys: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const p of current) this.#byHash.set(p.hash, p);
  }

  /**
   * Current playbooks whose trigger matches the incident: its rule and severity, and the
   * trigger's tags, source and group filters (`sources`: where the opening match's events came
   * from).
   */
  forIncident(
    incident: Omit<TriggerFacts, 'sources'>,
    sources: readonly string[] = [],
  ): CompiledPlaybook[] {
    const facts: TriggerFacts = { ...incident, sources };
    return this.current.filter(
      (p) =>
        p.definition.trigger.rules.some((r) => (this.ruleKeys.get(r) ?? r) === incident.rule) &&
        (p.definition.trigger.severities.length === 0 ||
          p.definition.trigger.severities.includes(incident.severity)) &&
        filtersAccept(p.definition.trigger, facts),
    );
  }

  /** Whether any current playbook is triggered by `rule` (a cheap test before reading more). */
  triggeredBy(rule: string): boolean {
    return this.current.some((p) =>
      p.definition.trigger.rules.some((r) => (this.ruleKeys.get(r) ?? r) === rule),
    );
  }

  /** The current version of playbook `id` (what a call without a pinned version runs). */
  currentOf(id: string): CompiledPlaybook | undefined {
    return this.current.find((p) => p.definition.id === id);
  }

  /**
   * Makes `hash` resolvable by any process (runs resume on other machines). A version is
   * stored once (SET NX, never changed), so this process writes it once, not once per run,
   * nor once per trigger of a burst that arrives before the first write is answered.
   */
  pin(playbook: CompiledPlaybook): Promise<void> {
    let pinning = this.#pinned.get(playbook.hash);
    if (!pinning) {
      pinning = this.runs.storePlaybook(playbook.hash, JSON.stringify(playbook.definition));
      this.#pinned.set(playbook.hash, pinning);
      // A failed write is tried again by the next trigger.
      pinning.catch(() => this.#pinned.delete(playbook.hash));
    }
    return pinning;
  }

  async byHash(hash: string): Promise<CompiledPlaybook | undefined> {
    const known = this.#byHash.get(hash);
    if (known) return known;
    const json = await this.runs.loadPlaybook(hash);
    if (!json) return undefined;
    const compiled = compilePlaybook(JSON.parse(json) as PlaybookDefinition);
    this.#byHash.set(hash, compiled);
    return compiled;
  }
}
