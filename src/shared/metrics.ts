/**
 * Process-local metrics in the Prometheus text format (GET /metrics). Small on purpose:
 * counters and gauges with fixed label names.
 */
type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly values: Map<string, { labels: Labels; value: number }>;
}

export class Metrics {
  readonly #families = new Map<string, Family>();

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const entry = this.entry(name, help, 'counter', labels);
    entry.value += by;
  }

  /** Sets a gauge (a value that goes up and down: lag, sizes). */
  set(name: string, help: string, labels: Labels, value: number): void {
    this.entry(name, help, 'gauge', labels).value = value;
  }

  get(name: string, labels: Labels = {}): number {
    return this.#families.get(name)?.values.get(JSON.stringify(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const { labels, value } of family.values.values())
        lines.push(`${name}${formatLabels(labels)} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private entry(
    name: string,
    help: string,
    type: Family['type'],
    labels: Labels,
  ): { labels: Labels; value: number } {
    let family = this.#families.get(name);
    if (!family) {
      family = { help, type, values: new Map() };
      this.#families.set(name, family);
    }
    const key = JSON.stringify(labels);
    let entry = family.values.get(key);
    if (!entry) {
      entry = { labels, value: 0 };
      family.values.set(key, entry);
    }
    return entry;
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escape = (v: string): string =>
    v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}
