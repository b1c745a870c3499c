import type { DemoGateway } from './gateway.js';
import type { CordonApi, DemoTokens } from './api-client.js';
import type { ScheduledScenario } from './platform.js';
import type { Progress } from './progress.js';

interface Incident {
  id: string;
  rule: string;
  severity: string;
  title: string;
  group?: Record<string, string>;
  createdAt: number;
}
interface Run {
  id: string;
  playbookId: string;
  incidentId: string;
  status: string;
  state: string;
}
interface Approval {
  id: string;
  playbookId: string;
  state: string;
  roles: string[];
  message?: string;
}
export interface SeenIncident {
  readonly rule: string;
  readonly group: Readonly<Record<string, string>>;
  /** When Cordon opened it (its createdAt, wall clock). */
  readonly openedAt: number;
}

export interface ScenarioOutcome {
  readonly incidents: SeenIncident[];
  /** Wall time (Cordon's clock) the last of its containment keys got a limit. */
  containedAt?: number;
}

export interface ObserverOptions {
  /** Approve pending approvals as the scripted on-call engineer / key owner after this long. */
  readonly autoApproveAfterMs: number | undefined;
  readonly credentialsHint: string;
}

const groupText = (g: Readonly<Record<string, string>> | undefined): string =>
  Object.entries(g ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/**
 * Watches Cordon through its API the way an analyst would and narrates what changes:
 * incidents, playbook runs, approvals, limits on the attackers' keys. Plays the on-call
 * engineer and the stolen key's owner when auto-approval is on.
 */
export class Observer {
  readonly outcomes = new Map<string, ScenarioOutcome>();
  readonly #incidents = new Set<string>();
  readonly #runs = new Map<string, Run>();
  readonly #approvals = new Set<string>();
  /** Pending approvals shown; one leaving the pending list is narrated as decided. */
  readonly #pending = new Map<string, string>();
  /** Approvals this observer granted itself (already narrated). */
  readonly #granted = new Set<string>();
  readonly #due: { id: string; at: number; as: keyof DemoTokens; who: string; what: string }[] = [];
  readonly #limits = new Map<string, string>();
  readonly #incidentTitles = new Map<string, string>();

  constructor(
    private readonly api: CordonApi,
    private readonly scenarios: readonly ScheduledScenario[],
    private readonly progress: Progress,
    private readonly now: () => number,
    private readonly options: ObserverOptions,
    private readonly gateway: DemoGateway,
    private readonly gatewayName = 'limiter',
  ) {
    for (const s of scenarios) this.outcomes.set(s.scenario.name, { incidents: [] });
  }

  async poll(): Promise<void> {
    await this.#pollIncidents();
    await this.#pollRuns();
    await this.#pollApprovals();
    await this.#decideDue();
    await this.#pollLimits();
  }

  async #pollIncidents(): Promise<void> {
    const { incidents } = await this.api.get<{ incidents: Incident[] }>('/v1/incidents?limit=100');
    for (const i of [...incidents].reverse()) {
      if (this.#incidents.has(i.id)) continue;
      this.#incidents.add(i.id);
      this.#incidentTitles.set(i.id, `${i.rule} (${groupText(i.group)})`);
      const owner = this.#scenarioOf(i);
      if (owner)
        this.outcomes
          .get(owner)
          ?.incidents.push({ rule: i.rule, group: i.group ?? {}, openedAt: i.createdAt });
      this.progress.note(
        `incident opened: ${i.rule} [${i.severity}] for ${groupText(i.group)}${owner ? `  (scenario ${owner})` : ''}`,
      );
    }
  }

  #scenarioOf(i: Incident): string | undefined {
    const values = new Set(Object.values(i.group ?? {}));
    const s = this.scenarios.find(
      ({ scenario }) =>
        scenario.expects.some(
          (e) => e.rule === i.rule && groupText(e.group) === groupText(i.group),
        ) || scenario.containmentKeys.some((k) => values.has(k)),
    );
    return s?.scenario.name;
  }

  async #pollRuns(): Promise<void> {
    const { runs } = await this.api.get<{ runs: Run[] }>('/v1/runs?limit=100');
    for (const r of [...runs].reverse()) {
      const before = this.#runs.get(r.id);
      this.#runs.set(r.id, r);
      const about = this.#incidentTitles.get(r.incidentId) ?? r.incidentId;
      const ended = ['resolved', 'failed', 'cancelled'].includes(r.status);
      if (!before)
        this.progress.note(
          `playbook ${r.playbookId} ${ended ? `ran for ${about}: ${r.status} (at ${r.state})` : `started for ${about} (at ${r.state})`}`,
        );
      else if (before.state !== r.state || before.status !== r.status)
        this.progress.note(
          `playbook ${r.playbookId}: ${before.state} → ${r.state}${ended ? ` — run ${r.status}` : ''}`,
        );
    }
  }

  async #pollApprovals(): Promise<void> {
    const { approvals } = await this.api.get<{ approvals: Approval[] }>(
      '/v1/approvals?status=pending&limit=100',
    );
    const current = new Set(approvals.map((a) => a.id));
    for (const [id, what] of this.#pending) {
      if (current.has(id)) continue;
      this.#pending.delete(id);
      if (this.#granted.has(id)) continue;
      const decided = await this.api.get<{
        status: string;
        votes?: { by: string; comment?: string }[];
      }>(`/v1/approvals/${encodeURIComponent(id)}`);
      const vote = decided.votes?.at(-1);
      this.progress.note(
        `approval ${decided.status}: ${what}${vote ? ` by ${vote.by}${vote.comment ? `: "${vote.comment}"` : ''}` : ''}`,
      );
    }
    for (const a of approvals) {
      if (this.#approvals.has(a.id)) continue;
      this.#approvals.add(a.id);
      this.#pending.set(a.id, `${a.playbookId} / ${a.state}`);
      const message = (a.message ?? '').replace(/\s+/g, ' ').trim();
      this.progress.note(
        `approval requested: ${a.playbookId} / ${a.state} (roles: ${a.roles.join(', ')}): ${message}`,
      );
      const after = this.options.autoApproveAfterMs;
      const as: keyof DemoTokens | undefined = a.roles.includes('key-owner')
        ? 'keyOwner'
        : a.roles.includes('approver') || a.roles.includes('ml-oncall')
          ? 'oncall'
          : undefined;
      if (after === undefined || as === undefined) {
        this.progress.note(
          `  waiting for you: ${this.options.credentialsHint}; curl -X POST ${this.api.baseUrl}/v1/approvals/${a.id}/approve -H "Authorization: Bearer $CORDON_${a.roles.includes('key-owner') ? 'KEY_OWNER' : 'APPROVER'}_TOKEN"`,
        );
        continue;
      }
      const who =
        as === 'keyOwner'
          ? 'the key owner (principal demo-key-owner)'
          : 'the on-call engineer (principal demo-oncall)';
      this.progress.note(
        `  ${who} will approve in ${(after / 1000).toFixed(0)} s (auto-approval; --no-auto-approve to decide yourself)`,
      );
      this.#due.push({
        id: a.id,
        at: this.now() + after,
        as,
        who,
        what: `${a.playbookId} / ${a.state}`,
      });
    }
  }

  async #decideDue(): Promise<void> {
    const now = this.now();
    for (const d of this.#due.filter((x) => x.at <= now)) {
      this.#due.splice(this.#due.indexOf(d), 1);
      const comment =
        d.as === 'keyOwner'
          ? 'Not us: we never call from sa-east-1. Block it.'
          : 'Confirmed abuse from the evidence (demo on-call engineer).';
      const res = await this.api.post(
        `/v1/approvals/${d.id}/approve`,
        d.as,
        JSON.stringify({ comment }),
        'application/json',
      );
      const text = await res.text();
      if (res.ok) this.#granted.add(d.id);
      if (res.ok) this.progress.note(`approval granted: ${d.what} by ${d.who}: "${comment}"`);
      else
        this.progress.note(`approval of ${d.what} refused (${res.status}): ${text.slice(0, 200)}`);
    }
  }

  async #pollLimits(): Promise<void> {
    for (const s of this.scenarios) {
      if (!s.started) continue;
      const outcome = this.outcomes.get(s.scenario.name) as ScenarioOutcome;
      let allLimited = true;
      let latest = 0;
      for (const key of s.scenario.containmentKeys) {
        const rule = await this.gateway.limit(key);
        const text = rule ? rule.text : 'no limit';
        if ((this.#limits.get(key) ?? 'no limit') !== text) {
          this.#limits.set(key, text);
          this.progress.note(`${this.gatewayName}: ${key} ${rule ? text : 'limit lifted'}`);
        }
        if (!rule) allLimited = false;
        else latest = Math.max(latest, rule.setAt);
      }
      if (allLimited && outcome.containedAt === undefined) {
        outcome.containedAt = latest;
        this.progress.note(`scenario ${s.scenario.name}: attacker contained`);
      }
    }
  }

  /** Approvals still scheduled to be granted. */
  get pendingDecisions(): number {
    return this.#due.length;
  }

  /** Every scenario started and contained. */
  get allContained(): boolean {
    return [...this.outcomes.values()].every((o) => o.containedAt !== undefined);
  }
}
