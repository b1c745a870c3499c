import type { Location } from '../../normalizers/findings.js';
import { truncate } from '../../normalizers/json-values.js';

/**
 * Grafana 12's custom payload template replaces the whole body, and can render prose. A body
 * that does not even start like JSON gets one reason saying so, instead of a syntax error at
 * line 1 column 1 that would send the user hunting for a typo.
 */
export function reportNotJson(body: Buffer, at: Location): boolean {
  const text = body.toString('utf8').trimStart();
  if (text === '' || text.startsWith('{') || text.startsWith('[')) return false;
  at.error(
    `is not JSON: it starts ${JSON.stringify(truncate(text, 60))}. This looks like a custom payload ` +
      'template rendering text; remove the custom payload from the webhook contact point (Grafana then ' +
      'sends its JSON payload), or make the template render JSON with the alerts array.',
  );
  return true;
}
