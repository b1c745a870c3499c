import { describe, parseDuration } from '../shared/duration.js';
import { checkKeys, expectMapping } from '../shared/shape.js';
import type { DiagnosticSink } from '../shared/yaml.js';

/** A source connector's own watermark settings (engine-options.ts; unset: the defaults). */
export interface Watermark {
  readonly outOfOrdernessMs?: number;
  readonly idleMs?: number;
}

/** `watermark: { out_of_orderness: 10m, idle: 5m }` on a source connector. */
export function parseWatermark(
  value: unknown,
  kind: 'source' | 'action',
  sink: DiagnosticSink,
): Watermark {
  if (value === undefined || value === null) return {};
  if (kind !== 'source') {
    sink.error(
      ['watermark'],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      '"watermark" applies to source connectors only; remove it.',
      true,
    );
    return {};
  }
  if (!expectMapping(sink, ['watermark'], value, 'watermark')) return {};
  checkKeys(sink, ['watermark'], value, 'watermark', { optional: ['out_of_orderness', 'idle'] });
  const out: { outOfOrdernessMs?: number; idleMs?: number } = {};
  for (const [key, field] of [
    ['out_of_orderness', 'outOfOrdernessMs'],
    ['idle', 'idleMs'],
  ] as const) {
    const raw = value[key];
    if (raw === undefined || raw === null) continue;
    const parsed = parseDuration(raw);
    if (!parsed.ok || parsed.ms > 7 * 86_400_000) {
      sink.error(
        ['watermark', key],
        'CORDON_ERR_DEFINITION_VALUE',
        `watermark.${key} must be a duration of at most 7d; ${parsed.ok ? `got ${describe(raw)}` : parsed.reason}. Write e.g. "${key}: ${key === 'idle' ? '5m' : '30s'}".`,
      );
      continue;
    }
    out[field] = parsed.ms;
  }
  return out;
}
