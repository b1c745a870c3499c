import type { CanonicalEvent } from '../../src/ingest/canonical-event.js';
import { mulberry32 } from '../../src/correlate/types/anomaly/prng.js';

/**
 * A generated AI-platform stream with planted anomalies of known kinds: `keys` API keys, each
 * with its own steady profile (rate, models, tokens, latency, region), over `windows` windows
 * of `windowMs`; in the last quarter, one key per kind misbehaves in one window. Seeded: the
 * same arguments give the same events.
 */
export const PLANT_KINDS = [
  'requests',
  'error_ratio',
  'tokens',
  'latency_p95',
  'new_regions',
  'distinct_models',
] as const;
export type PlantKind = (typeof PLANT_KINDS)[number];

export interface Plant {
  readonly key: string;
  readonly kind: PlantKind;
  readonly window: number;
}

export interface Dataset {
  readonly events: CanonicalEvent[];
  readonly plants: readonly Plant[];
  /** Refs (`gw/<id>`) of the planted windows' events: the labelled positives. */
  readonly positives: ReadonlySet<string>;
}

export const DATASET_BASE = Date.UTC(2026, 0, 5, 0, 0, 0);

export function generateDataset(opts: {
  keys: number;
  windows: number;
  windowMs: number;
  seed: number;
}): Dataset {
  const random = mulberry32(opts.seed);
  const between = (lo: number, hi: number): number => lo + random() * (hi - lo);
  const profiles = Array.from({ length: opts.keys }, (_, i) => ({
    key: `key-${String(i).padStart(3, '0')}`,
    rate: Math.round(between(8, 30)),
    models: [`model-${i % 5}`, ...(i % 3 === 0 ? [`model-${(i + 1) % 5}`] : [])],
    tokens: between(150, 600),
    latency: between(80, 400),
    region: ['eu-west', 'us-east', 'ap-south'][i % 3] as string,
  }));
  const plants: Plant[] = PLANT_KINDS.map((kind, i) => ({
    key: (profiles[(i * 7 + 3) % opts.keys] as { key: string }).key,
    kind,
    window: opts.windows - 1 - ((i * 2) % Math.max(1, Math.floor(opts.windows / 4))),
  }));
  const events: CanonicalEvent[] = [];
  const positives = new Set<string>();
  let n = 0;
  for (let w = 0; w < opts.windows; w += 1) {
    for (const p of profiles) {
      const plant = plants.find((x) => x.key === p.key && x.window === w)?.kind;
      const rate =
        Math.max(1, Math.round(p.rate * between(0.8, 1.2))) * (plant === 'requests' ? 6 : 1);
      for (let e = 0; e < rate; e += 1) {
        const id = `e${n}`;
        n += 1;
        const failed = plant === 'error_ratio' ? random() < 0.7 : random() < 0.02;
        const model =
          plant === 'distinct_models'
            ? `model-${e % 12}`
            : (p.models[Math.floor(random() * p.models.length)] as string);
        const time =
          DATASET_BASE + w * opts.windowMs + Math.floor(((e + random()) / rate) * opts.windowMs);
        events.push({
          id,
          time,
          received: time,
          source: 'gw',
          kind: 'inference',
          name: 'predict',
          severity: 'info',
          outcome: failed ? 'failure' : 'success',
          entity: {
            api_key: p.key,
            model,
            geo: { region: plant === 'new_regions' ? 'sa-east' : p.region },
          },
          measures: {
            tokens_in: Math.round(p.tokens * between(0.8, 1.2) * (plant === 'tokens' ? 8 : 1)),
            latency_ms: Math.round(
              p.latency * between(0.8, 1.2) * (plant === 'latency_p95' ? 8 : 1),
            ),
          },
          labels: plant ? { anomaly: plant } : {},
        });
        if (plant) positives.add(`gw/${id}`);
      }
    }
  }
  events.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
  return { events, plants, positives };
}

/** The anomaly rule the dataset tests run. */
export function anomalyRules(threshold = 0.01, extra = ''): string {
  return `title: Request
name: req
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
---
title: Unusual key
name: odd_key
correlation:
  type: event_count
  rules: [req]
  group-by: [api_key]
  timespan: 5m
  condition: { gte: 1 }
cordon:
  type: anomaly
  features: [requests, distinct_models, error_ratio, tokens, latency_p95, new_regions]
  threshold: ${threshold}
  warmup: 8
  lateness: 0s
${extra}`;
}
