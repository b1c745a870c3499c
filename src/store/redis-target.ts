import { CordonError } from '../shared/errors.js';

/**
 * Where Redis is: one server (`redis://`, `rediss://`, handed to ioredis as is) or a Redis
 * Cluster named by seed nodes (`redis+cluster://[user:password@]host:port,host:port`, or
 * `rediss+cluster://` for TLS). Pure parsing, no I/O.
 */
export interface ClusterTarget {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//i;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/**
 * The seed nodes of a cluster URL; throws CORDON_ERR_CONFIG_INVALID naming the bad node (never
 * the password). `variable` names the setting the URL came from, for the message.
 */
export function parseClusterUrl(url: string, variable = 'REDIS_URL'): ClusterTarget {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (!scheme) throw invalid(variable, 'must start with redis+cluster:// or rediss+cluster://');
  let rest = url.slice(scheme[0].length).replace(/\/+$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    username = user === '' ? undefined : user;
    password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) : undefined;
  }
  if (rest.includes('/') || rest.includes('?'))
    throw invalid(
      variable,
      'names a database or options after the nodes; Redis Cluster has database 0 only: end the URL after the last host:port',
    );
  const nodes = parseNodes(rest, variable);
  return { nodes, tls: scheme[1]?.toLowerCase() === 'rediss', username, password };
}

/** `host:port,host:port` (CORDON_REDIS_CLUSTER_NODES, or the node part of a cluster URL). */
export function parseNodes(list: string, variable: string): ClusterTarget['nodes'] {
  const nodes = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((node) => {
      const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(node);
      const port = m ? Number(m[2]) : NaN;
      if (!m || port < 1 || port > 65_535)
        throw invalid(
          variable,
          `has the node "${node}", which is not host:port; list the seed nodes as host:port,host:port (e.g. 10.0.0.1:7000,10.0.0.2:7000)`,
        );
      return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
    });
  if (nodes.length === 0)
    throw invalid(variable, 'names no node; list the seed nodes as host:port,host:port');
  return nodes;
}

/** The URL without its password, for messages and logs. */
export function redactClusterUrl(url: string): string {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (!scheme) return '(unparsable URL)';
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  const shown = colon >= 0 ? `${userinfo.slice(0, colon)}:***` : userinfo;
  return `${scheme[0]}${shown}@${rest.slice(at + 1)}`;
}

function invalid(variable: string, problem: string): CordonError {
  return new CordonError('CORDON_ERR_CONFIG_INVALID', `${variable} ${problem}.`, {
    details: { field: variable },
  });
}
