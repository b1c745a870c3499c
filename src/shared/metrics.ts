/**
 * Process-local counters in the Prometheus text format (GET /metrics). Small on purpose:
 * counters with fixed label names.
 */
type Labels = Readonly<Record<string, string>>;

interface Counter {
  readonly help: string;
  readonly values: Map<string, { labels: Labels; value: number }>;
}

export class Metrics {
  readonly #counters = new Map<string, Counter>();

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    let counter = this.#counters.get(name);
    if (!counter) {
      counter = { help, values: new Map() };
      this.#counters.set(name, counter);
    }
    const key = JSON.stringify(labels);
    const entry = counter.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    counter.values.set(key, entry);
  }

  get(name: string, labels: Labels = {}): number {
    return this.#counters.get(name)?.values.get(JSON.stringify(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, counter] of this.#counters) {
      lines.push(`# HELP ${name} ${counter.help}`, `# TYPE ${name} counter`);
      for (const { labels, value } of counter.values.values())
        lines.push(`${name}${formatLabels(labels)} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escape = (v: string): string =>
    v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}
