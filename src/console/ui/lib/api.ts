import type { ContainmentListing, LimitCleared } from './types';

/** The console's HTTP client: the signed-in token on every call, API errors as ApiError. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<T>;
}

export function createApi(token: string, fetchImpl: Fetch): Api {
  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<T> => {
    const headers: Record<string, string> = {
      ...extra,
      authorization: `Bearer ${token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `Cordon did not answer (${errorText(err)}).`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const problem = isRecord(parsed) ? parsed : {};
      throw new ApiError(
        response.status,
        typeof problem.code === 'string' ? problem.code : `HTTP_${response.status}`,
        typeof problem.message === 'string'
          ? problem.message
          : `${method} ${path} answered ${response.status}.`,
        problem.details,
      );
    }
    return parsed as T;
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body ?? {}, headers),
  };
}

export interface ContainmentQuery {
  /** Only what this connector keeps contained ('' or absent: everything). */
  connector?: string | undefined;
  cursor?: string | null | undefined;
  limit?: number | undefined;
}

/** GET /v1/containment: one page of what Cordon keeps contained, newest first. */
export function getContainment(api: Api, q: ContainmentQuery = {}): Promise<ContainmentListing> {
  return api.get<ContainmentListing>(containmentPath(q));
}

/**
 * A page of containment with something in it: a page may come back empty with `next` set (the
 * API skips lifted entries, so many at once fill a page's budget), and is followed at once, up to
 * `pages` of them; an empty answer with `next` still set means none among those looked at.
 */
export async function getContainmentFilled(
  api: Api,
  q: ContainmentQuery = {},
  pages = 10,
): Promise<ContainmentListing> {
  let page = await getContainment(api, q);
  for (let i = 1; i < pages && page.items.length === 0 && page.next !== null; i += 1)
    page = await getContainment(api, { ...q, cursor: page.next });
  return page;
}

export function containmentPath(q: ContainmentQuery): string {
  const params = [
    ['connector', q.connector?.trim()],
    ['limit', q.limit === undefined ? undefined : String(q.limit)],
    ['cursor', q.cursor ?? undefined],
  ].filter((p): p is [string, string] => typeof p[1] === 'string' && p[1] !== '');
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `/v1/containment${query ? `?${query}` : ''}`;
}

/**
 * POST /v1/limiter/keys/{key}/clear: lifts every limit the built-in limiter keeps on the key, an
 * explicit release (the runs that set them find nothing to undo). `attempt` is the
 * Idempotency-Key, one per confirmation: a retry after an answer that was lost answers the
 * first lift (`repeated`) and lifts nothing set since, and the audit trail keeps one entry.
 */
export function liftLimit(
  api: Api,
  key: string,
  comment: string,
  attempt: string,
): Promise<LimitCleared> {
  return api.post<LimitCleared>(
    `/v1/limiter/keys/${encodeURIComponent(key)}/clear`,
    { comment },
    { 'idempotency-key': attempt },
  );
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
