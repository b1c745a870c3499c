/**
 * Label names are snake_case (`x-request-id` → `x_request_id`), and never start with the
 * reserved `cordon.` prefix: a sender's header name must not pose as Cordon's own label.
 */
export function snakeKey(name: string): string {
  const key = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return key === '' ? 'unnamed' : key.slice(0, 120);
}
