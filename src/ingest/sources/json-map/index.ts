export { jsonMapKind } from './kind.js';
export { compileMapping, jsonMapOptionsSpec } from './options.js';
export type { JsonMapOptions, Mapping } from './options.js';
export { mapItem } from './mapper.js';
export { EvaluationBudget } from './jsonata-eval.js';
export { batchItemAt } from './batch-location.js';
