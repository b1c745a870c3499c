import type { CordonApi } from './api-client.js';
import type { DemoGateway } from './gateway.js';
import { benignHistory, benignTraffic } from './benign.js';
import type { Progress } from './progress.js';
import { Random } from './random.js';
import type { Scenario } from './scenarios/scenario.js';
import type { SimClock } from './sim-clock.js';
import type { TrafficStats } from './traffic-stats.js';
import type { SimRequest } from './traffic.js';

export interface ScheduledScenario {
  readonly scenario: Scenario;
  /** Simulated time it starts. */
  readonly startsAt: number;
  started: boolean;
  /** Wall time its attacker's first request reached the gateway. */
  firstAttackAt?: number;
}

/** Gateway checks in flight at once (keeps a 2-core machine responsive). */
const GATEWAY_CONCURRENCY = 16;
const HISTORY_BATCH = 2_000;
const SOURCE = 'events';

/**
 * The simulated AI platform: on each tick it produces the traffic of the simulated time that
 * passed, lets the built-in gateway ask Cordon's limiter about every request, and sends Cordon
 * the log of what was served (refused requests never reach a model, so they are counted for the
 * progress, not logged as inference). One ingest request at a time, in event-time order: the
 * events source's watermark never sees them out of order.
 */
export class Platform {
  #simDone: number;
  readonly #rnd: Random;

  constructor(
    private readonly api: CordonApi,
    private readonly sender: EventSender,
    private readonly clock: SimClock,
    private readonly now: () => number,
    readonly scenarios: readonly ScheduledScenario[],
    private readonly stats: TrafficStats,
    private readonly progress: Progress,
    seed: number,
    private readonly gateway: DemoGateway,
  ) {
    this.#simDone = clock.liveStart;
    this.#rnd = new Random(seed);
  }

  async tick(): Promise<void> {
    const from = this.#simDone;
    const to = this.clock.at(this.now());
    if (to <= from) return;
    const requests: SimRequest[] = benignTraffic(from, to, this.#rnd);
    for (const s of this.scenarios) {
      if (to <= s.startsAt) continue;
      if (!s.started) {
        s.started = true;
        this.progress.note(`scenario ${s.scenario.name} started: ${s.scenario.story}`);
      }
      requests.push(
        ...s.scenario.traffic(
          Math.max(0, from - s.startsAt),
          to - s.startsAt,
          s.startsAt,
          this.#rnd,
        ),
      );
    }
    requests.sort((a, b) => a.time - b.time);
    const served = await this.#gate(requests);
    if (served.length > 0) await this.sender.send(served);
    this.#simDone = to;
  }

  /** The built-in gateway: asks the limiter about each request, keeps the allowed ones. */
  async #gate(requests: readonly SimRequest[]): Promise<SimRequest[]> {
    const allowed = new Array<boolean>(requests.length).fill(true);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const i = next;
        next += 1;
        const r = requests[i] as SimRequest;
        if (r.limiterKey === undefined) continue;
        const scheduled = this.scenarios.find((s) => r.actor.startsWith(`${s.scenario.name}:`));
        if (scheduled && r.actor.endsWith(':attacker')) scheduled.firstAttackAt ??= this.now();
        const status = await this.gateway.check(r.limiterKey, r.time);
        if (status !== 200 && status !== 429 && status !== 403 && status !== 401)
          throw new Error(`the limiter answered ${status} for a gateway check`);
        allowed[i] = status === 200;
        this.stats.record(r.actor, status === 200, this.now());
      }
    };
    await Promise.all(Array.from({ length: GATEWAY_CONCURRENCY }, worker));
    return requests.filter((_, i) => allowed[i]);
  }
}

/**
 * Sends simulated requests to Cordon as canonical events, one ingest request at a time.
 * Ids carry the run id, so two demo runs never dedupe each other's events.
 */
export class EventSender {
  #seq = 0;

  constructor(
    private readonly api: CordonApi,
    private readonly runId: string,
  ) {}

  async send(requests: readonly SimRequest[]): Promise<void> {
    const body = requests
      .map((r) => {
        this.#seq += 1;
        return JSON.stringify({ id: `${this.runId}-${this.#seq}`, time: r.time, ...r.event });
      })
      .join('\n');
    for (let attempt = 0; ; attempt += 1) {
      const res = await this.api.post(
        `/v1/ingest/${SOURCE}`,
        'ingest',
        `${body}\n`,
        'application/x-ndjson',
      );
      const text = await res.text();
      if (res.status === 202 || res.status === 200) return;
      // Backpressure (the correlator catching up) or a Redis hiccup: wait and resend; ids dedupe.
      if ((res.status === 503 || res.status === 429) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      throw new Error(
        `Cordon refused the platform's events (${res.status}): ${text.slice(0, 500)}`,
      );
    }
  }
}

/** The day before the demo (normal use of every key), so the rules have learnt baselines. */
export async function sendHistory(
  sender: EventSender,
  liveStart: number,
  scenarios: readonly Scenario[],
): Promise<number> {
  const history = [
    ...benignHistory(liveStart),
    ...scenarios.flatMap((s) => s.history?.(liveStart) ?? []),
  ].sort((a, b) => a.time - b.time);
  for (let i = 0; i < history.length; i += HISTORY_BATCH)
    await sender.send(history.slice(i, i + HISTORY_BATCH));
  return history.length;
}
