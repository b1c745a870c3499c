import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Process metrics in the Prometheus text format (GET /metrics), on prom-client. Call sites use
 * the small facade below (`inc`, `set`, `observe`, `get`) and name the family and its help where
 * they count; a family's label names are fixed by its first use (or its declaration).
 */
type Labels = Readonly<Record<string, string>>;

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames?: readonly string[];
  /** Histograms only; seconds. */
  readonly buckets?: readonly number[];
}

/** Reads done while a scrape waits (Redis backlogs); they set gauges. */
export type ScrapeCollector = () => Promise<void>;

/** Buckets for request latencies (seconds). */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

export interface MetricsOptions {
  /** Process and Node runtime metrics (CPU, memory, heap, event-loop lag, GC, handles). */
  readonly runtime?: boolean;
  /** How long a scrape waits for each collector before answering with the last values. */
  readonly collectTimeoutMs?: number;
}

type Instrument = Counter | Gauge | Histogram;

export class Metrics {
  readonly registry = new Registry();
  readonly #families = new Map<string, { type: MetricType; instrument: Instrument }>();
  /** Counter and gauge values by family and label set, for `get` (prom-client reads async). */
  readonly #values = new Map<string, Map<string, number>>();
  readonly #collectors = new Map<string, ScrapeCollector>();
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #collectTimeoutMs: number;

  constructor(options: MetricsOptions = {}) {
    this.#collectTimeoutMs = options.collectTimeoutMs ?? 1_000;
    if (options.runtime) collectDefaultMetrics({ register: this.registry });
  }

  /** Declares families up front: a counter or gauge without labels exists at zero at once. */
  declare(...families: readonly MetricFamily[]): void {
    for (const f of families) this.family(f.name, f.help, f.type, f.labelNames ?? [], f.buckets);
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const counter = this.family(name, help, 'counter', Object.keys(labels)) as Counter;
    counter.inc(labels, by);
    this.remember(name, labels, (v) => v + by);
  }

  /** Sets a gauge (a value that goes up and down: lag, sizes). */
  set(name: string, help: string, labels: Labels, value: number): void {
    const gauge = this.family(name, help, 'gauge', Object.keys(labels)) as Gauge;
    gauge.set(labels, value);
    this.remember(name, labels, () => value);
  }

  /** Records one observation in a histogram (durations in seconds). */
  observe(
    name: string,
    help: string,
    labels: Labels,
    value: number,
    buckets: readonly number[] = LATENCY_BUCKETS,
  ): void {
    const histogram = this.family(name, help, 'histogram', Object.keys(labels), buckets);
    (histogram as Histogram).observe(labels, value);
  }

  /** A counter's or gauge's current value for exactly these labels (0 if never touched). */
  get(name: string, labels: Labels = {}): number {
    return this.#values.get(name)?.get(labelKey(labels)) ?? 0;
  }

  /**
   * Runs `collect` at each scrape, at most `collectTimeoutMs` (a slow Redis leaves the last
   * values in place and counts a failure); one read at a time per collector.
   */
  onScrape(name: string, collect: ScrapeCollector): void {
    this.#collectors.set(name, collect);
    for (const reason of ['timeout', 'error'] as const) this.collectFailed(name, reason, 0);
  }

  async render(): Promise<string> {
    await Promise.all([...this.#collectors].map(([name, collect]) => this.collect(name, collect)));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async collect(name: string, collect: ScrapeCollector): Promise<void> {
    let running = this.#inflight.get(name);
    if (!running) {
      running = collect().finally(() => this.#inflight.delete(name));
      this.#inflight.set(name, running);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#collectTimeoutMs);
    });
    try {
      const outcome = await Promise.race([running.then(() => 'ok' as const), timedOut]);
      if (outcome === 'timeout') this.collectFailed(name, 'timeout');
    } catch {
      this.collectFailed(name, 'error');
    } finally {
      clearTimeout(timer);
    }
  }

  private collectFailed(collector: string, reason: 'timeout' | 'error', by = 1): void {
    this.inc(
      'cordon_metrics_collect_failures_total',
      'Scrape-time reads (Redis backlogs) that failed or timed out; their gauges keep the last values.',
      { collector, reason },
      by,
    );
  }

  private family(
    name: string,
    help: string,
    type: MetricType,
    labelNames: readonly string[],
    buckets?: readonly number[],
  ): Instrument {
    const known = this.#families.get(name);
    if (known) {
      if (known.type !== type)
        throw new Error(`Metric ${name} is a ${known.type}; it cannot be used as a ${type}.`);
      return known.instrument;
    }
    const config = { name, help, labelNames: [...labelNames], registers: [this.registry] };
    const instrument =
      type === 'counter'
        ? new Counter(config)
        : type === 'gauge'
          ? new Gauge(config)
          : new Histogram({ ...config, buckets: [...(buckets ?? LATENCY_BUCKETS)] });
    this.#families.set(name, { type, instrument });
    return instrument;
  }

  private remember(name: string, labels: Labels, update: (value: number) => number): void {
    let values = this.#values.get(name);
    if (!values) {
      values = new Map();
      this.#values.set(name, values);
    }
    const key = labelKey(labels);
    values.set(key, update(values.get(key) ?? 0));
  }
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}
