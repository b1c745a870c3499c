import type { NormalisedEvent, Severity } from '../../canonical-event.js';
import { parseIp } from '../../normalizers/ip.js';

/** `/<ip>:<port> "<METHOD> <path> HTTP/1.1" <status> <ms>` (access_log.log, after the time). */
const ACCESS = /^(\S+) "([A-Z]+) (\S+) (HTTP\/[\d.]+)" (\S+) (\S+)$/;

type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/**
 * The model of an inference route: TorchServe's own `/predictions|explanations/<model>[/<version>]`
 * and the KServe v1/v2 protocols it also serves.
 */
function modelOfPath(path: string): { model: string; version?: string } | undefined {
  const clean = path.split('?')[0] ?? path;
  const own = /^\/(?:predictions|explanations)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(clean);
  if (own?.[1] !== undefined)
    return own[2] === undefined ? { model: own[1] } : { model: own[1], version: own[2] };
  const v2 = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/(?:infer|explain)$/.exec(clean);
  if (v2?.[1] !== undefined)
    return v2[2] === undefined ? { model: v2[1] } : { model: v2[1], version: v2[2] };
  const v1 = /^\/v1\/models\/([^/:]+):(?:predict|explain)$/.exec(clean);
  if (v1?.[1] !== undefined) return { model: v1[1] };
  return undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * An access line: an `inference` event when the path names a model, else a `log` event
 * (health checks, management calls) that still carries status and latency. Returns the
 * reasons when the line is malformed.
 */
export function readAccessLine(body: string): Draft | string[] {
  const m = ACCESS.exec(body);
  if (!m)
    return [
      `is not an access log line: expected /<ip>:<port> "<METHOD> <path> HTTP/1.1" <status> <ms>; got ${JSON.stringify(body.slice(0, 100))}.`,
    ];
  const [, client = '', method = '', path = '', protocol = '', statusText = '', msText = ''] = m;
  const problems: string[] = [];
  const ip = parseIp(client);
  if (!ip.ok) problems.push(`client address ${ip.reason}`);
  const status = Number(statusText);
  if (!/^\d{3}$/.test(statusText) || status < 100 || status > 599)
    problems.push(
      `status must be an HTTP status code (100–599); got ${JSON.stringify(statusText)}.`,
    );
  const latency = Number(msText);
  if (!/^\d+(\.\d+)?$/.test(msText))
    problems.push(`latency must be a number of milliseconds; got ${JSON.stringify(msText)}.`);
  if (problems.length > 0 || !ip.ok) return problems;
  const target = modelOfPath(path);
  const entity: Draft['entity'] = { ip: ip.ip, endpoint: path.split('?')[0] ?? path };
  if (target !== undefined) {
    entity.model = decode(target.model);
    if (target.version !== undefined) entity.model_version = decode(target.version);
  }
  const failed = status >= 400;
  const severity: Severity = status >= 500 ? 'medium' : failed ? 'low' : 'info';
  const labels: Record<string, string> = { method, protocol, log: 'access_log' };
  if (ip.port !== undefined) labels.client_port = String(ip.port);
  return {
    kind: target === undefined ? 'log' : 'inference',
    name: target === undefined ? 'http_request' : 'inference_request',
    severity,
    outcome: failed ? 'failure' : 'success',
    entity,
    measures: { latency_ms: latency, status_code: status },
    labels,
  };
}
