import { getOwn } from '../../normalizers/json-values.js';

const RULE_UID_LABEL = '__alert_rule_uid__';
/** `/alerting/grafana/<uid>/view` in generatorURL. */
const GENERATOR_PATH = /\/alerting\/grafana\/([^/?#]+)\/view/;

/**
 * The alert rule's uid: a `__alert_rule_uid__` label when the sender kept it, else the matcher
 * of the same name in silenceURL (Grafana strips `__` labels from the body but builds the
 * silence link from them), else the rule path in generatorURL.
 */
export function ruleUid(
  labels: Record<string, string>,
  silenceUrl: string | undefined,
  generatorUrl: string | undefined,
): string | undefined {
  const label = getOwn(labels, RULE_UID_LABEL);
  if (typeof label === 'string' && label !== '') return label;
  const fromSilence = silenceUrl === undefined ? undefined : matcherValue(silenceUrl);
  if (fromSilence !== undefined) return fromSilence;
  const path = generatorUrl === undefined ? undefined : GENERATOR_PATH.exec(generatorUrl)?.[1];
  return path === undefined || path === '' ? undefined : safeDecode(path);
}

function matcherValue(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const params = new URLSearchParams(url.slice(query + 1));
  for (const matcher of params.getAll('matcher')) {
    const m = /^__alert_rule_uid__\s*=\s*"?([^"]+)"?$/.exec(matcher);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
