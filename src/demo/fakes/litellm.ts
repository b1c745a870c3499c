import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakeKey {
  blocked: boolean;
  rpm_limit: number | null;
  tpm_limit: number | null;
  changedBy: string[];
}

/**
 * LiteLLM proxy key management: Bearer master key (sk-…); keys addressed by token hash;
 * /key/block and /key/unblock return the row; /key/info?key= answers {key, info}; /key/update
 * changes only the fields sent (null clears); unknown keys 404 with ProxyException bodies
 * {"error":{"message","type","param","code"}}.
 */
export function litellmFake(
  masterKey: string,
  keys: Record<string, Partial<FakeKey>>,
): { server: FakeServer; keys: Map<string, FakeKey> } {
  const store = new Map(
    Object.entries(keys).map(([k, v]) => [
      k,
      { blocked: false, rpm_limit: null, tpm_limit: null, changedBy: [], ...v },
    ]),
  );
  const proxyError = (
    status: number,
    message: string,
    type: string,
    param = 'None',
  ): FakeReply => ({ status, body: { error: { message, type, param, code: String(status) } } });
  const server = new FakeServer((req): FakeReply => {
    if (req.headers.authorization !== `Bearer ${masterKey}`)
      return proxyError(
        401,
        'Authentication Error, Invalid proxy server token passed.',
        'auth_error',
      );
    const body = (req.json ?? {}) as Record<string, unknown>;
    const key =
      req.method === 'GET'
        ? (req.query.get('key') ?? '')
        : typeof body.key === 'string'
          ? body.key
          : '';
    const row = store.get(key);
    const by = req.headers['litellm-changed-by'];
    if (typeof by === 'string' && row) row.changedBy.push(by);
    switch (`${req.method} ${req.path}`) {
      case 'GET /key/info':
        return row
          ? {
              status: 200,
              body: { key, info: { key_name: 'sk-...abcd', ...row, changedBy: undefined } },
            }
          : proxyError(404, 'Key not found in database', 'not_found_error', 'key');
      case 'POST /key/block':
      case 'POST /key/unblock':
        if (!row) return proxyError(404, `Key ${key} not found`, 'not_found_error', 'key');
        row.blocked = req.path === '/key/block';
        return { status: 200, body: { token: key, ...row, changedBy: undefined } };
      case 'POST /key/update':
        if (!row) return proxyError(404, 'Team not found, passed team_id=None', 'auth_error');
        for (const f of ['rpm_limit', 'tpm_limit'] as const)
          if (f in body) row[f] = body[f] as number | null;
        return { status: 200, body: { key, ...row, changedBy: undefined } };
      default:
        return proxyError(404, 'Not Found', 'not_found_error');
    }
  });
  return { server, keys: store };
}
