/**
 * A sender's field name as a label key: snake_case with acronyms kept whole
 * (`riskLevelDuringSignIn` → `risk_level_during_sign_in`, `HTTPStatus` → `http_status`,
 * `monitor-id` → `monitor_id`), so rules can rely on one spelling. '' when nothing is left.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}
