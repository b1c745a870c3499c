import { getOwn } from '../../normalizers/json-values.js';

/**
 * The contact point's "Test" button sends a synthetic alert: `alertname=TestAlert`,
 * `instance=Grafana` and the summary "Notification test". It is flagged (label
 * `grafana.test_notification`), not dropped, so a user testing the connector sees it arrive
 * and rules can exclude it.
 */
export function isTestNotification(
  labels: Record<string, string>,
  annotations: Record<string, string>,
): boolean {
  return (
    (getOwn(labels, 'alertname') === 'TestAlert' && getOwn(labels, 'instance') === 'Grafana') ||
    getOwn(annotations, 'summary') === 'Notification test'
  );
}
