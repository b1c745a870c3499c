import { randomUUID } from 'node:crypto';
import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakePlugin {
  id: string;
  name: string;
  /** '' for a service-scoped plugin. */
  consumer: string;
  service?: string;
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
 * Admin token checked in Kong-Admin-Token (Enterprise RBAC) when one is given. ACLs:
 * /consumers/{c}/acls list/add (409 when already in the group)/delete by group or id, and
 * service-scoped plugins (/services/{s}/plugins; one acl per service, allow and deny mutually
 * exclusive, 400 schema violation otherwise). `proxy` answers as the data plane would.
 */
export function kongFake(
  consumers: readonly string[],
  adminToken?: string,
  services: readonly string[] = [],
): {
  server: FakeServer;
  plugins: FakePlugin[];
  credentials: FakeCredential[];
  acls: { id: string; consumer: string; group: string }[];
  proxy(consumer: string, service: string): { status: number; body: unknown };
} {
  const plugins: FakePlugin[] = [];
  const credentials: FakeCredential[] = [];
  const acls: { id: string; consumer: string; group: string }[] = [];
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
    const acl = /^\/consumers\/([^/]+)\/acls(?:\/([^/]+))?$/.exec(req.path);
    if (acl) {
      const consumer = decodeURIComponent(acl[1] as string);
      if (!consumers.includes(consumer)) return notFound;
      const mine = acls.filter((a) => a.consumer === consumer);
      if (req.method === 'GET' && !acl[2]) return { status: 200, body: { data: mine, next: null } };
      if (req.method === 'POST' && !acl[2]) {
        const group = typeof body.group === 'string' ? body.group : '';
        if (mine.some((a) => a.group === group))
          return unique(`{consumer={id="${consumer}"},group="${group}"}`);
        const entry = { id: randomUUID(), consumer, group };
        acls.push(entry);
        return { status: 201, body: { ...entry, consumer: { id: consumer } } };
      }
      if (req.method === 'DELETE' && acl[2]) {
        const which = decodeURIComponent(acl[2]);
        const i = acls.findIndex(
          (a) => a.consumer === consumer && (a.group === which || a.id === which),
        );
        if (i < 0) return notFound;
        acls.splice(i, 1);
        return { status: 204 };
      }
    }
    const svc = /^\/services\/([^/]+)\/plugins$/.exec(req.path);
    if (svc) {
      const service = decodeURIComponent(svc[1] as string);
      if (!services.includes(service)) return notFound;
      if (req.method === 'GET')
        return {
          status: 200,
          body: { data: plugins.filter((p) => p.service === service), next: null },
        };
      if (req.method === 'POST') {
        const config = (body.config ?? {}) as Record<string, unknown>;
        const allow = Array.isArray(config.allow) && config.allow.length > 0;
        const deny = Array.isArray(config.deny) && config.deny.length > 0;
        if (allow === deny)
          return {
            status: 400,
            body: {
              code: 2,
              name: 'schema violation',
              message:
                "schema violation (only one of these fields must be non-empty: 'config.allow', 'config.deny')",
              fields: {},
            },
          };
        if (plugins.some((p) => p.service === service && p.name === body.name))
          return unique(`{service={id="${service}"},name="${String(body.name)}"}`);
        const plugin = {
          id: randomUUID(),
          name: String(body.name),
          consumer: '',
          service,
          enabled: true,
          config,
        };
        plugins.push(plugin);
        return { status: 201, body: plugin };
      }
    }
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
  const proxy = (consumer: string, service: string): { status: number; body: unknown } => {
    const plugin = plugins.find((p) => p.service === service && p.name === 'acl' && p.enabled);
    const groups = acls.filter((a) => a.consumer === consumer).map((a) => a.group);
    const deny = (plugin?.config.deny as string[] | undefined) ?? [];
    return groups.some((g) => deny.includes(g))
      ? { status: 403, body: { message: 'You cannot consume this service' } }
      : { status: 200, body: { ok: true } };
  };
  return { server, plugins, credentials, acls, proxy };
}
