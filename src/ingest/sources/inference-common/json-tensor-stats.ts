import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import { jsonTensorStats, MAX_STAT_ELEMENTS, type TensorStats } from './tensor-stats.js';

/** One JSON tensor's statistics, named as the binary reading names them. */
export interface JsonTensorStatsEntry extends TensorStats {
  readonly name: string;
  readonly io: 'inputs' | 'outputs';
  readonly datatype: string;
}

/** Tensors looked at per payload: a model's signature, not a walk over anything sent. */
const MAX_JSON_TENSORS = 256;

/**
 * Count, min, max and mean of each numeric tensor of an Open Inference (V2) JSON payload
 * (`inputs`/`outputs` entries with `name`, `datatype` and `data`), within the same element
 * budget as binary tensors: the figures a binary payload gets, for the JSON form of the same
 * request. Tensors without a name, a numeric datatype or data are skipped.
 */
export function jsonTensorsStats(payload: unknown): JsonTensorStatsEntry[] {
  const out: JsonTensorStatsEntry[] = [];
  if (!isJsonObject(payload)) return out;
  const budget = { remaining: MAX_STAT_ELEMENTS };
  let seen = 0;
  for (const io of ['inputs', 'outputs'] as const) {
    const tensors = getOwn(payload, io);
    if (!Array.isArray(tensors)) continue;
    for (const t of tensors) {
      if ((seen += 1) > MAX_JSON_TENSORS) return out;
      if (!isJsonObject(t)) continue;
      const name = getOwn(t, 'name');
      const datatype = getOwn(t, 'datatype');
      const data = getOwn(t, 'data');
      if (typeof name !== 'string' || typeof datatype !== 'string' || data === undefined) continue;
      const stats = jsonTensorStats(data, datatype, budget);
      if (stats !== undefined) out.push({ name, io, datatype, ...stats });
    }
  }
  return out;
}
