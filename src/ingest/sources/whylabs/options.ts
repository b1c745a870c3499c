import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { OptionsSpec } from '../source-kind.js';

/** A secret read from the environment or a file, never written in the connector. */
export type ApiKeyRef = { readonly env: string } | { readonly file: string };

export interface WhylabsOptions {
  /** Enrichment from the WhyLabs API; absent: notifications are taken as sent. */
  readonly enrich?: {
    /** API base URL, https (http only for loopback: a local fake or proxy). */
    readonly url: string;
    readonly apiKey: ApiKeyRef;
    readonly timeoutMs: number;
  };
}

const DEFAULT_URL = 'https://api.whylabsapp.com';
const DEFAULT_TIMEOUT_MS = 3_000;
const ENRICH_KEYS = ['url', 'api_key', 'timeout_ms'];

/**
 * `options: { enrich: { api_key: { env: WHYLABS_API_KEY }, url, timeout_ms } }`: look up each
 * notification's analyzer results (column, drift value and threshold, anomaly count), which
 * the notification itself never carries.
 */
export const whylabsOptionsSpec: OptionsSpec<WhylabsOptions> = {
  keys: ['enrich'],
  compile(value, report) {
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) {
      report([], `must be a mapping of options (enrich); got ${got(value)}.`);
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value))
      if (key !== 'enrich') {
        report([key], 'is not an option of this source; the only one is enrich.');
        ok = false;
      }
    const enrich = value.enrich;
    if (enrich === undefined || enrich === null) return ok ? {} : undefined;
    if (!isJsonObject(enrich)) {
      report(
        ['enrich'],
        `must be a mapping such as { api_key: { env: WHYLABS_API_KEY } }; got ${got(enrich)}.`,
      );
      return undefined;
    }
    for (const key of Object.keys(enrich))
      if (!ENRICH_KEYS.includes(key)) {
        report(['enrich', key], `is not a key of enrich; use ${ENRICH_KEYS.join(', ')}.`);
        ok = false;
      }
    const url = enrich.url ?? DEFAULT_URL;
    if (typeof url !== 'string' || !allowedUrl(url)) {
      report(
        ['enrich', 'url'],
        `must be the WhyLabs API's https URL (such as ${DEFAULT_URL}; http only to a loopback address); got ${got(url)}.`,
      );
      ok = false;
    }
    const apiKey = readKeyRef(enrich.api_key, report);
    if (apiKey === undefined) ok = false;
    const timeout = enrich.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    if (
      typeof timeout !== 'number' ||
      !Number.isInteger(timeout) ||
      timeout < 100 ||
      timeout > 60_000
    ) {
      report(
        ['enrich', 'timeout_ms'],
        `must be whole milliseconds from 100 to 60000; got ${got(timeout)}.`,
      );
      ok = false;
    }
    if (!ok || apiKey === undefined) return undefined;
    return {
      enrich: { url: (url as string).replace(/\/+$/, ''), apiKey, timeoutMs: timeout as number },
    };
  },
};

function allowedUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

function readKeyRef(
  value: unknown,
  report: (path: readonly (string | number)[], reason: string) => void,
): ApiKeyRef | undefined {
  const at = ['enrich', 'api_key'];
  if (typeof value === 'string') {
    report(
      at,
      'is never written inline; reference an environment variable ({ env: WHYLABS_API_KEY }) or a file ({ file: /run/secrets/whylabs }).',
    );
    return undefined;
  }
  if (isJsonObject(value) && Object.keys(value).length === 1) {
    if (typeof value.env === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(value.env))
      return { env: value.env };
    if (typeof value.file === 'string' && value.file.startsWith('/')) return { file: value.file };
  }
  report(
    at,
    `must be { env: NAME } (an upper-case variable name) or { file: /absolute/path }; got ${got(value)}.`,
  );
  return undefined;
}
