import { Findings } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceKind } from '../source-kind.js';
import { readAlert } from './alert.js';
import { reportNotJson } from './body.js';
import { readEnvelope } from './envelope.js';

/**
 * Grafana unified alerting webhook contact point (ingest-formats §5): Alertmanager's data plus
 * `orgId`, `state`, `title`, `message` and per-alert links and query `values` (or Grafana 9's
 * `valueString`). One event per alert; a bad alert refuses only itself. The HMAC signature is
 * checked by the core before this runs.
 */
export const grafanaKind: SourceKind<undefined> = {
  type: 'grafana',
  title: 'Grafana unified alerting webhook contact point',
  category: 'siem',
  // text/plain too: a custom payload template's prose must reach the reason that explains it, not a 415.
  contentTypes: ['application/json', 'text/plain'],
  auth: ['basic', 'bearer', 'hmac'],
  normalise(request, ctx): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    if (reportNotJson(request.body, root)) return findings.result([]);
    const parsed = parseJsonBody(request.body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'a Grafana webhook notification (a JSON object with version "1" and alerts)',
    });
    if (!parsed.ok) return findings.result([]);
    if (!isJsonObject(parsed.value)) {
      root.error(
        `must be one Grafana webhook notification (a JSON object); got ${got(parsed.value)}.`,
      );
      return findings.result([]);
    }
    const envelope = readEnvelope(parsed.value, root);
    const alerts = getOwn(parsed.value, 'alerts');
    const alertsAt = root.child('alerts');
    if (Array.isArray(alerts)) {
      if (alerts.length === 0)
        alertsAt.error('must contain at least one alert; got an empty array.');
      alerts.forEach((alert, index) => {
        const at = alertsAt.batchItem(index);
        const event = readAlert(alert, at, envelope, ctx);
        if (event !== undefined) findings.emit(event, at);
      });
    } else if (alerts === undefined) {
      alertsAt.error('is required: the array of alerts in this notification.');
    } else {
      alertsAt.error(`must be an array of alerts; got ${got(alerts)}.`);
    }
    if (envelope.truncatedAlerts > 0)
      root
        .child('truncatedAlerts')
        .warn(
          `Grafana dropped ${envelope.truncatedAlerts} alert(s) from this notification (the contact point's "max alerts"); they never reached Cordon.`,
        );
    return findings.batch();
  },
};
