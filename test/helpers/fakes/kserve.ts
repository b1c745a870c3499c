import { FakeServer, type FakeReply } from './fake-server.js';

/**
 * The Kubernetes API for KServe InferenceServices: Bearer service-account token; GET and PATCH
 * on /apis/serving.kserve.io/v1beta1/namespaces/{ns}/inferenceservices/{name}; PATCH takes
 * merge-patch (null deletes, objects merge) or answers 415 for other media types; errors are
 * Status objects {kind:"Status",status:"Failure",message,reason,code}.
 */
export function kserveFake(token: string): {
  server: FakeServer;
  services: Map<string, Record<string, unknown>>;
} {
  const services = new Map<string, Record<string, unknown>>();
  const status = (code: number, reason: string, message: string): FakeReply => ({
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code },
  });
  const server = new FakeServer((req): FakeReply => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return status(401, 'Unauthorized', 'Unauthorized');
    const m =
      /^\/apis\/serving\.kserve\.io\/v1beta1\/namespaces\/([^/]+)\/inferenceservices\/([^/]+)$/.exec(
        req.path,
      );
    if (!m) return status(404, 'NotFound', 'the server could not find the requested resource');
    const key = `${m[1] ?? ''}/${m[2] ?? ''}`;
    const isvc = services.get(key);
    if (!isvc)
      return status(
        404,
        'NotFound',
        `inferenceservices.serving.kserve.io "${m[2] ?? ''}" not found`,
      );
    if (req.method === 'GET') return { status: 200, body: isvc };
    if (req.method === 'PATCH') {
      const type = String(req.headers['content-type']);
      if (type !== 'application/merge-patch+json' && type !== 'application/json-patch+json')
        return status(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      services.set(key, merge(isvc, req.json) as Record<string, unknown>);
      return { status: 200, body: services.get(key) };
    }
    return status(405, 'MethodNotAllowed', 'method not allowed');
  });
  return { server, services };
}

/** RFC 7386 JSON merge patch. */
function merge(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = merge(out[k], v);
  }
  return out;
}
