import { builtinGateway, type DemoGateway } from './gateway.js';
import { randomBytes } from 'node:crypto';
import { CordonApi, type DemoTokens } from './api-client.js';
import { Observer, type SeenIncident } from './observer.js';
import { EventSender, Platform, sendHistory, type ScheduledScenario } from './platform.js';
import { Progress } from './progress.js';
import type { ExpectedIncident, Scenario } from './scenarios/scenario.js';
import { SimClock } from './sim-clock.js';
import { formatSummary } from './summary.js';
import { TrafficStats, type Tally } from './traffic-stats.js';

export interface DemoOptions {
  readonly baseUrl: string;
  readonly tokens: DemoTokens;
  readonly scenarios: readonly Scenario[];
  /** Simulated time runs this many times faster than the wall clock. */
  readonly speed: number;
  readonly durationMs: number;
  /** undefined: leave approvals to the user. */
  readonly autoApproveAfterMs: number | undefined;
  /** Where the user finds the tokens (printed with pending approvals). */
  readonly credentialsHint: string;
  readonly write: (line: string) => void;
  readonly seed?: number;
  /** Stops the demo early (Ctrl-C); it still prints its summary. */
  readonly signal?: AbortSignal;
  /** Where requests are gated and limits read; default: Cordon's built-in limiter. */
  readonly gateway?: (api: CordonApi) => DemoGateway;
  readonly now?: () => number;
  /**
   * End early, this long after every scenario is contained and no approval is left to grant
   * (tests: the outcome is known, and the attacker's refused traffic after it is counted).
   */
  readonly endAfterContainmentMs?: number;
}

export interface ScenarioReport {
  readonly name: string;
  readonly expected: readonly ExpectedIncident[];
  readonly incidents: readonly SeenIncident[];
  readonly firstAttackAt: number | undefined;
  readonly containedAt: number | undefined;
  /** The attacker's gateway decisions before and after containment (all "before" if never). */
  readonly attacker: { readonly before: Tally; readonly after: Tally };
}

export interface DemoReport {
  readonly wallStart: number;
  readonly historyEvents: number;
  readonly scenarios: readonly ScenarioReport[];
  /** Every actor's gateway totals (benign, <scenario>:attacker, <scenario>:owner). */
  readonly traffic: ReadonlyMap<string, Tally>;
}

/** One minute of simulated quiet before the first attack, then one scenario a simulated minute. */
const WARMUP_SIM_MS = 60_000;
const SPACING_SIM_MS = 60_000;
const TICK_MS = 250;
const POLL_MS = 500;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Plays the simulated platform against a running Cordon for `durationMs` of wall time (or until
 * `signal` aborts): history first, then live traffic with the scenarios starting one after the
 * other, narrated line by line, then a summary. Talks to Cordon only through its HTTP API.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const now = options.now ?? Date.now;
  const api = new CordonApi(options.baseUrl, options.tokens);
  const sender = new EventSender(api, `demo-${randomBytes(4).toString('hex')}`);
  const stats = new TrafficStats();

  const provisional = new SimClock(now(), options.speed, options.durationMs);
  const historyEvents = await sendHistory(sender, provisional.liveStart, options.scenarios);

  const clock = new SimClock(now(), options.speed, options.durationMs);
  const progress = new Progress(clock, now, options.write);
  progress.note(
    `platform history sent: ${historyEvents} requests of the past day, so keys have their regions and baselines`,
  );
  const scheduled: ScheduledScenario[] = options.scenarios.map((scenario, i) => ({
    scenario,
    startsAt: clock.liveStart + WARMUP_SIM_MS + i * SPACING_SIM_MS,
    started: false,
  }));
  progress.note(
    `live traffic at ${options.speed}× speed for ${Math.round(options.durationMs / 1000)} s: ${scheduled
      .map((s) => `${s.scenario.name} at sim ${clock.label(s.startsAt)}`)
      .join(', ')}`,
  );
  const gateway = options.gateway?.(api) ?? builtinGateway(api);
  const platform = new Platform(
    api,
    sender,
    clock,
    now,
    scheduled,
    stats,
    progress,
    options.seed ?? 7,
    gateway,
  );
  const observer = new Observer(
    api,
    scheduled,
    progress,
    now,
    {
      autoApproveAfterMs: options.autoApproveAfterMs,
      credentialsHint: options.credentialsHint,
    },
    gateway,
    options.gateway ? 'gateway' : 'limiter',
  );

  let end = clock.wallStart + options.durationMs;
  // A failing loop stops the others at once (they must not outlive Cordon's shutdown).
  const failed = new AbortController();
  options.signal?.addEventListener('abort', () => failed.abort(), { once: true });
  if (options.signal?.aborted) failed.abort();
  const running = (): boolean => now() < end && !failed.signal.aborted;
  const settled = async (): Promise<void> => {
    await observer.poll();
    const after = options.endAfterContainmentMs;
    if (after !== undefined && observer.allContained && observer.pendingDecisions === 0)
      end = Math.min(end, now() + after);
  };
  const loop = async (every: number, step: () => Promise<void>): Promise<void> => {
    try {
      while (running()) {
        const started = now();
        await step();
        await sleep(Math.max(0, every - (now() - started)), failed.signal);
      }
    } catch (err) {
      failed.abort();
      throw err;
    }
  };
  const trafficLine = (): void => {
    const second = stats.takeSecond();
    if (second.size === 0) return;
    const parts = [...second]
      .sort(([a], [b]) => (a === 'benign' ? -1 : b === 'benign' ? 1 : a.localeCompare(b)))
      .map(([actor, t]) => `${actor.replace(':', ' ')} ${t.accepted}/${t.refused}`);
    progress.note(`gateway served/refused in the last second: ${parts.join(' · ')}`);
  };
  await Promise.all([
    loop(TICK_MS, () => platform.tick()),
    loop(POLL_MS, settled),
    loop(1_000, async () => trafficLine()),
  ]);
  // One last look, so a containment that landed in the final moments is counted.
  await observer.poll();

  const report: DemoReport = {
    wallStart: clock.wallStart,
    historyEvents,
    scenarios: scheduled.map(({ scenario, firstAttackAt }) => {
      const outcome = observer.outcomes.get(scenario.name);
      const containedAt = outcome?.containedAt;
      return {
        name: scenario.name,
        expected: scenario.expects,
        incidents: outcome?.incidents ?? [],
        firstAttackAt,
        containedAt,
        attacker: stats.split(`${scenario.name}:attacker`, containedAt ?? Infinity),
      };
    }),
    traffic: stats.totals,
  };
  for (const line of formatSummary(report, clock)) options.write(line);
  return report;
}
