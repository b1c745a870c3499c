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
  controller: { readsUntilReady: number; stuck: boolean; reason: string; message: string };
} {
  const services = new Map<string, Record<string, unknown>>();
  const controller = {
    readsUntilReady: 0,
    stuck: false,
    reason: 'RevisionMissing',
    message: 'Configuration "predictor" is waiting for a Revision to become ready.',
  };
  const pending = new Map<string, number>();
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
    if (req.method === 'GET') {
      const left = pending.get(key) ?? 0;
      const meta = (isvc.metadata ?? {}) as Record<string, unknown>;
      const generation = typeof meta.generation === 'number' ? meta.generation : 1;
      const settled = left <= 0 && !controller.stuck;
      if (!settled) pending.set(key, left - 1);
      const status = {
        ...((isvc.status ?? {}) as Record<string, unknown>),
        observedGeneration: settled ? generation : generation - 1,
        conditions: settled
          ? [
              { type: 'PredictorReady', status: 'True' },
              { type: 'Ready', status: 'True' },
            ]
          : [
              { type: 'PredictorReady', status: 'False', reason: controller.reason },
              {
                type: 'Ready',
                status: 'False',
                reason: controller.reason,
                message: controller.message,
              },
            ],
      };
      return { status: 200, body: { ...isvc, status } };
    }
    if (req.method === 'PATCH') {
      const type = String(req.headers['content-type']);
      if (type !== 'application/merge-patch+json' && type !== 'application/json-patch+json')
        return status(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      const next = merge(isvc, req.json) as Record<string, unknown>;
      const meta = (next.metadata ?? {}) as Record<string, unknown>;
      next.metadata = {
        ...meta,
        generation: (typeof meta.generation === 'number' ? meta.generation : 1) + 1,
      };
      services.set(key, next);
      pending.set(key, controller.readsUntilReady);
      return { status: 200, body: services.get(key) };
    }
    return status(405, 'MethodNotAllowed', 'method not allowed');
  });
  return { server, services, controller };
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
