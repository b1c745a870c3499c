import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/**
 * What an inference payload says about itself, whichever protocol wrote it: KServe/TF
 * Serving V1 (`instances` → `predictions`), the Open Inference (V2) protocol (`inputs` →
 * `outputs`, tensors with a `shape`), or Seldon's own (`data.ndarray` / `data.tensor`).
 */
export interface PayloadSummary {
  readonly protocol: 'v1' | 'v2' | 'seldon' | 'unknown';
  /** Instances in the batch (rows of the first tensor); undefined when it cannot be told. */
  readonly count?: number;
  /** V2 carries the model's own name, version and request id in the body. */
  readonly modelName?: string;
  readonly modelVersion?: string;
  readonly requestId?: string;
  /** An error the model server answered with (`{"error": "..."}`). */
  readonly error?: string;
}

export function summarisePayload(value: unknown): PayloadSummary {
  if (!isJsonObject(value)) return { protocol: 'unknown' };
  const error = errorText(getOwn(value, 'error'));
  const withError = error === undefined ? {} : { error };
  for (const key of ['instances', 'predictions'] as const) {
    const rows = getOwn(value, key);
    if (Array.isArray(rows)) return { protocol: 'v1', count: rows.length, ...withError };
  }
  for (const key of ['inputs', 'outputs'] as const) {
    const tensors = getOwn(value, key);
    if (Array.isArray(tensors) && tensors.some(isTensor))
      return { protocol: 'v2', ...v2Fields(value, tensors), ...withError };
    // V1 "columnar" inputs: {"inputs": {"name": [rows…]}} or {"inputs": [rows…]}.
    if (Array.isArray(tensors)) return { protocol: 'v1', count: tensors.length, ...withError };
    if (isJsonObject(tensors)) {
      const first = Object.values(tensors)[0];
      return {
        protocol: 'v1',
        ...(Array.isArray(first) ? { count: first.length } : {}),
        ...withError,
      };
    }
  }
  const data = getOwn(value, 'data');
  if (isJsonObject(data)) return { protocol: 'seldon', ...seldonCount(data), ...withError };
  for (const key of ['jsonData', 'strData', 'binData'])
    if (getOwn(value, key) !== undefined) return { protocol: 'seldon', count: 1, ...withError };
  return { protocol: 'unknown', ...withError };
}

function isTensor(value: unknown): value is JsonObject {
  return isJsonObject(value) && Array.isArray(getOwn(value, 'shape'));
}

function v2Fields(
  body: JsonObject,
  tensors: readonly unknown[],
): Omit<PayloadSummary, 'protocol' | 'error'> {
  const first = tensors.find(isTensor);
  const rows =
    first === undefined ? undefined : dimension((getOwn(first, 'shape') as unknown[])[0]);
  const text = (key: string): string | undefined => {
    const v = getOwn(body, key);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const modelName = text('model_name');
  const modelVersion = text('model_version');
  const requestId = text('id');
  return {
    ...(rows === undefined ? {} : { count: rows }),
    ...(modelName === undefined ? {} : { modelName }),
    ...(modelVersion === undefined ? {} : { modelVersion }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}

function seldonCount(data: JsonObject): { count?: number } {
  const ndarray = getOwn(data, 'ndarray');
  if (Array.isArray(ndarray)) return { count: ndarray.length };
  const tensor = getOwn(data, 'tensor');
  if (isJsonObject(tensor)) {
    const shape = getOwn(tensor, 'shape');
    const rows = Array.isArray(shape) ? dimension(shape[0]) : undefined;
    if (rows !== undefined) return { count: rows };
  }
  return {};
}

/** A tensor dimension: a non-negative integer, or its int64 rendering as a string. */
export function dimension(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function errorText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value.slice(0, 500);
  if (isJsonObject(value)) {
    const message = getOwn(value, 'message');
    if (typeof message === 'string' && message !== '') return message.slice(0, 500);
    return JSON.stringify(value).slice(0, 500);
  }
  return undefined;
}
