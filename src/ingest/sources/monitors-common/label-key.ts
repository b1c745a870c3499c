import { snakeCase } from '../../normalizers/label-key.js';

/**
 * A sender's field or dimension name as a label key: snake_case (`ModelName` → `model_name`,
 * `monitor-id` → `monitor_id`), so rules can rely on one spelling. Never starts with `cordon.`.
 */
export function snakeCaseKey(name: string): string {
  const key = snakeCase(name);
  return key === '' ? 'field' : key === 'cordon' || key.startsWith('cordon_') ? `x_${key}` : key;
}
