import { signV4 } from '../../actions/http/sigv4.js';
import { FakeServer, type FakeReply, type FakeRequest } from './fake-server.js';

/**
 * AWS API Gateway control plane for API keys: every request must carry a valid SigV4
 * signature (re-computed here from the signed headers); GET/PATCH /apikeys/{id} with
 * patchOperations whose values are strings; errors carry x-amzn-ErrorType and {"message"}.
 * Usage plans (all on one API stage, so a key may be in one plan only, as AWS enforces per
 * stage): GET /usageplans?keyId= ({item, position}), GET/DELETE /usageplans/{p}/keys/{k}
 * (202 / 404 NotFoundException), POST /usageplans/{p}/keys (201; 409 ConflictException when
 * the key is in this plan or another plan of the stage).
 */
export function apiGatewayFake(credentials: {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}): {
  server: FakeServer;
  keys: Map<string, { enabled: boolean }>;
  plans: Map<string, Set<string>>;
} {
  const keys = new Map<string, { enabled: boolean }>();
  const plans = new Map<string, Set<string>>();
  const error = (status: number, type: string, message: string): FakeReply => ({
    status,
    headers: { 'x-amzn-errortype': type },
    body: { message },
  });
  const server = new FakeServer((req): FakeReply => {
    const auth = String(req.headers.authorization ?? '');
    const signed = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const now = Date.UTC(
      Number(amzDate.slice(0, 4)),
      Number(amzDate.slice(4, 6)) - 1,
      Number(amzDate.slice(6, 8)),
      Number(amzDate.slice(9, 11)),
      Number(amzDate.slice(11, 13)),
      Number(amzDate.slice(13, 15)),
    );
    const headers = Object.fromEntries(
      signed
        .filter((h) => h !== 'host' && h !== 'x-amz-date')
        .map((h) => [h, String(req.headers[h] ?? '')]),
    );
    const url = new URL(
      `http://${String(req.headers.host)}${req.path}${req.query.size ? `?${req.query.toString()}` : ''}`,
    );
    const expected = signV4({
      method: req.method,
      url,
      headers,
      body: req.text,
      service: 'apigateway',
      ...credentials,
      now,
    }).authorization;
    if (!auth || auth !== expected)
      return error(
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    if (req.path.startsWith('/usageplans')) return usagePlans(req);
    const m = /^\/apikeys\/([^/]+)$/.exec(req.path);
    const key = m ? keys.get(decodeURIComponent(m[1] ?? '')) : undefined;
    if (!m || !key) return error(404, 'NotFoundException', 'Invalid API Key identifier specified');
    if (req.method === 'GET') return { status: 200, body: { id: m[1], enabled: key.enabled } };
    if (req.method === 'PATCH') {
      const ops =
        (
          req.json as
            { patchOperations?: { op?: unknown; path?: unknown; value?: unknown }[] } | undefined
        )?.patchOperations ?? [];
      for (const op of ops) {
        if (
          op.op !== 'replace' ||
          op.path !== '/enabled' ||
          (op.value !== 'true' && op.value !== 'false')
        )
          return error(
            400,
            'BadRequestException',
            `Invalid patch operation specified. Must be 'replace' of '/enabled' with a string value`,
          );
        key.enabled = op.value === 'true';
      }
      return { status: 200, body: { id: m[1], enabled: key.enabled } };
    }
    return error(400, 'BadRequestException', 'Unsupported method');
  });
  function usagePlans(req: FakeRequest): FakeReply {
    if (req.method === 'GET' && req.path === '/usageplans') {
      const keyId = req.query.get('keyId');
      const item = [...plans]
        .filter(([, members]) => keyId === null || members.has(keyId))
        .map(([id]) => ({ id, name: id, throttle: { rateLimit: 1, burstLimit: 1 } }));
      return { status: 200, body: { item } };
    }
    const add = /^\/usageplans\/([^/]+)\/keys$/.exec(req.path);
    const one = /^\/usageplans\/([^/]+)\/keys\/([^/]+)$/.exec(req.path);
    const plan = plans.get(decodeURIComponent((add ?? one)?.[1] ?? ''));
    if (!plan) return error(404, 'NotFoundException', 'Invalid Usage Plan ID specified');
    if (add && req.method === 'POST') {
      const sent = (req.json as { keyId?: unknown } | undefined)?.keyId;
      const keyId = typeof sent === 'string' ? sent : '';
      if (!keys.has(keyId))
        return error(404, 'NotFoundException', 'Invalid API Key identifier specified');
      if ([...plans.values()].some((members) => members.has(keyId)))
        return error(
          409,
          'ConflictException',
          `Usage Plan ${add[1] ?? ''} cannot be added because API Key ${keyId} already exists in a Usage Plan for the same API Stage`,
        );
      plan.add(keyId);
      return { status: 201, body: { id: keyId, type: 'API_KEY', name: keyId } };
    }
    if (one) {
      const keyId = decodeURIComponent(one[2] ?? '');
      if (!plan.has(keyId))
        return error(404, 'NotFoundException', 'Invalid API Key identifier specified');
      if (req.method === 'GET') return { status: 200, body: { id: keyId, type: 'API_KEY' } };
      if (req.method === 'DELETE') {
        plan.delete(keyId);
        return { status: 202 };
      }
    }
    return error(400, 'BadRequestException', 'Unsupported method');
  }
  return { server, keys, plans };
}
