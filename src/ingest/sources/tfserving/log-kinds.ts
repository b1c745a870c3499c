import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { dimension } from '../inference-common/payload-summary.js';
import { field } from './proto-json.js';

/** The `oneof log_type` of a PredictionLog: JSON name → short name used in event names. */
export const LOG_TYPES: readonly (readonly [string, string])[] = [
  ['predictLog', 'predict'],
  ['classifyLog', 'classify'],
  ['regressLog', 'regress'],
  ['predictStreamedLog', 'predict_streamed'],
  ['multiInferenceLog', 'multi_inference'],
  ['sessionRunLog', 'session_run'],
];

/**
 * Instances in the logged request: rows of the first input tensor (Predict), or examples
 * (Classify, Regress, MultiInference). Undefined when the request does not say.
 */
export function requestCount(request: JsonObject): number | undefined {
  const inputs = field(request, 'inputs').value;
  if (isJsonObject(inputs)) {
    const first = Object.values(inputs)[0];
    if (isJsonObject(first)) {
      const shape = field(first, 'tensorShape').value;
      const dims = isJsonObject(shape) ? getOwn(shape, 'dim') : undefined;
      const outer = Array.isArray(dims) ? (dims[0] as unknown) : undefined;
      if (isJsonObject(outer)) return dimension(getOwn(outer, 'size'));
    }
    return undefined;
  }
  const input = field(request, 'input').value;
  if (!isJsonObject(input)) return undefined;
  for (const name of ['exampleList', 'exampleListWithContext']) {
    const list = field(input, name).value;
    const examples = isJsonObject(list) ? getOwn(list, 'examples') : undefined;
    if (Array.isArray(examples)) return examples.length;
  }
  return undefined;
}
