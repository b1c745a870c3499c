import { randomUUID } from 'node:crypto';
import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakePlugin {
  id: string;
  name: string;
  consumer: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

export interface FakeCredential {
  id: string;
  key: string;
  consumer: string;
}

/**
 * Kong Admin API: consumer-scoped plugins (one rate-limiting per consumer: a second POST is
 * 409 "unique constraint violation"), PATCH /plugins/{id} merges config, DELETE answers 204 or
 * 404 {"message":"Not found"}; key-auth credentials list/create (409 on a duplicate key)/delete.
 * Admin token checked in Kong-Admin-Token (Enterprise RBAC) when one is given.
 */
export function kongFake(
  consumers: readonly string[],
  adminToken?: string,
): { server: FakeServer; plugins: FakePlugin[]; credentials: FakeCredential[] } {
  const plugins: FakePlugin[] = [];
  const credentials: FakeCredential[] = [];
  const notFound: FakeReply = { status: 404, body: { message: 'Not found' } };
  const unique = (what: string): FakeReply => ({
    status: 409,
    body: {
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '${what}'`,
      fields: {},
    },
  });
  const server = new FakeServer((req): FakeReply => {
    if (adminToken && req.headers['kong-admin-token'] !== adminToken)
      return {
        status: 401,
        body: { message: 'Invalid credentials. Token or User credentials required' },
      };
    const body = (req.json ?? {}) as Record<string, unknown>;
    let m = /^\/consumers\/([^/]+)\/(plugins|key-auth)(?:\/([^/]+))?$/.exec(req.path);
    if (m) {
      const consumer = decodeURIComponent(m[1] as string);
      if (!consumers.includes(consumer)) return notFound;
      if (m[2] === 'plugins') {
        if (req.method === 'GET')
          return {
            status: 200,
            body: { data: plugins.filter((p) => p.consumer === consumer), next: null },
          };
        if (req.method === 'POST') {
          const config = (body.config ?? {}) as Record<string, unknown>;
          if (
            !['second', 'minute', 'hour', 'day', 'month', 'year'].some(
              (w) => typeof config[w] === 'number',
            )
          )
            return {
              status: 400,
              body: {
                code: 2,
                name: 'schema violation',
                message:
                  'schema violation (config: at least one of these fields must be non-empty)',
                fields: {},
              },
            };
          if (plugins.some((p) => p.consumer === consumer && p.name === body.name))
            return unique(`{consumer={id="${consumer}"},name="${String(body.name)}"}`);
          const plugin = {
            id: randomUUID(),
            name: String(body.name),
            consumer,
            enabled: true,
            config,
          };
          plugins.push(plugin);
          return { status: 201, body: plugin };
        }
      }
      if (m[2] === 'key-auth') {
        if (req.method === 'GET' && !m[3])
          return {
            status: 200,
            body: { data: credentials.filter((c) => c.consumer === consumer), next: null },
          };
        if (req.method === 'POST') {
          const key = typeof body.key === 'string' ? body.key : randomUUID();
          if (credentials.some((c) => c.key === key || c.id === body.id))
            return unique(`{key="${key}"}`);
          const cred = { id: typeof body.id === 'string' ? body.id : randomUUID(), key, consumer };
          credentials.push(cred);
          return { status: 201, body: { ...cred, consumer: { id: consumer } } };
        }
        if (req.method === 'DELETE' && m[3]) {
          const i = credentials.findIndex(
            (c) => c.consumer === consumer && (c.id === m?.[3] || c.key === m?.[3]),
          );
          if (i < 0) return notFound;
          credentials.splice(i, 1);
          return { status: 204 };
        }
      }
    }
    m = /^\/plugins\/([^/]+)$/.exec(req.path);
    if (m) {
      const plugin = plugins.find((p) => p.id === m?.[1]);
      if (!plugin) return notFound;
      if (req.method === 'PATCH') {
        if (typeof body.enabled === 'boolean') plugin.enabled = body.enabled;
        if (body.config)
          plugin.config = { ...plugin.config, ...(body.config as Record<string, unknown>) };
        return { status: 200, body: plugin };
      }
      if (req.method === 'DELETE') {
        plugins.splice(plugins.indexOf(plugin), 1);
        return { status: 204 };
      }
    }
    return notFound;
  });
  return { server, plugins, credentials };
}
