/**
 * A sender's field or dimension name as a label key: snake_case (`ModelName` → `model_name`,
 * `monitor-id` → `monitor_id`), so rules can rely on one spelling. Never starts with `cordon.`.
 */
export function snakeCaseKey(name: string): string {
  const key = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return key === '' ? 'field' : key === 'cordon' || key.startsWith('cordon_') ? `x_${key}` : key;
}
