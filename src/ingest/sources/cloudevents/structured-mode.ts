import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { readV2Binary, V2_HEADER_LENGTH } from '../inference-common/v2-binary.js';
import type { BinarySummary, CloudEvent } from './attributes.js';
import {
  binarySummary,
  checkSpecVersion,
  CORE_ATTRIBUTES,
  EXTENSION_NAME,
  REQUIRED_ATTRIBUTES,
} from './attributes.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * The extension attribute that carries `Inference-Header-Content-Length` in structured mode
 * (extension names are lower-case letters and digits): `data_base64` then holds an Open
 * Inference V2 binary payload, checked as in binary mode.
 */
export const V2_HEADER_LENGTH_EXTENSION = V2_HEADER_LENGTH.replace(/-/g, '');
const MAX_EXTENSIONS = 64;

/**
 * Structured mode: one JSON object holding the attributes and the data (`data`, or
 * `data_base64`; CloudEvents 0.3 wrote `datacontentencoding: "base64"` with `data`).
 * Legal CloudEvents, though the KServe and Seldon loggers send binary mode.
 */
export function readStructuredEvent(
  value: unknown,
  at: Location,
  v2: V2Context = {},
): CloudEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(
      `must be a CloudEvent (a JSON object with specversion, id, source, type and data); got ${got(value)}.`,
    );
    return undefined;
  }
  let ok = true;
  const required: Record<string, string> = {};
  for (const name of REQUIRED_ATTRIBUTES) {
    const v = getOwn(value, name);
    if (typeof v === 'string' && v.trim() !== '') required[name] = v.trim();
    else {
      at.child(name).error(
        v === undefined
          ? `is required: every CloudEvent has a "${name}" attribute (a non-empty string).`
          : `must be a non-empty string; got ${got(v)}.`,
      );
      ok = false;
    }
  }
  if (required.specversion !== undefined)
    ok = checkSpecVersion(required.specversion, at.child('specversion')) && ok;
  const timeValue = getOwn(value, 'time');
  let time: string | undefined;
  if (typeof timeValue === 'string') time = timeValue;
  else if (timeValue !== undefined && timeValue !== null) {
    at.child('time').error(
      `must be an RFC 3339 timestamp string such as "2024-06-10T16:04:58.101Z"; got ${got(timeValue)}.`,
    );
    ok = false;
  }
  const extensions = readExtensions(value, at);
  const data = readData(value, at, extensions, v2);
  return {
    mode: 'structured',
    complete: ok && data !== undefined,
    specversion: required.specversion ?? '',
    id: required.id ?? '',
    type: required.type ?? '',
    source: required.source ?? '',
    time,
    extensions,
    data: data?.value,
    dataBytes: data?.bytes ?? 0,
    ...(data?.binary === undefined ? {} : { binary: data.binary }),
    attributeAt: (name) => at.child(name),
    at,
  };
}

/** Scalar extensions as strings; `metadata` may also be the captured-headers object itself. */
function readExtensions(value: Record<string, unknown>, at: Location): Record<string, string> {
  const out: Record<string, string> = {};
  let count = 0;
  for (const [name, v] of Object.entries(value)) {
    if (CORE_ATTRIBUTES.has(name) || count >= MAX_EXTENSIONS) continue;
    let text: string | undefined;
    if (typeof v === 'string') text = v;
    else if (typeof v === 'number' || typeof v === 'boolean') text = String(v);
    else if (isJsonObject(v) && (name === 'metadata' || name === 'annotations'))
      text = JSON.stringify(v);
    if (text === undefined) {
      if (v !== null)
        at.child(name).warn(`is not a string, number or boolean (${got(v)}); it was ignored.`);
      continue;
    }
    if (!EXTENSION_NAME.test(name)) {
      at.child(name).warn(
        'is not a CloudEvents extension name (lower-case letters and digits); it was ignored.',
      );
      continue;
    }
    Object.defineProperty(out, name, {
      value: text,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    count += 1;
  }
  return out;
}

/** How a structured event's `data_base64` may be a V2 binary payload. */
export interface V2Context {
  /** The request's `Inference-Header-Content-Length`, for a single structured event. */
  readonly headerLength?: string;
  /** Where that header's problems are reported. */
  readonly headerAt?: Location;
  readonly maxDepth?: number | undefined;
}

function readData(
  event: Record<string, unknown>,
  at: Location,
  extensions: Readonly<Record<string, string>>,
  v2: V2Context,
): { value: unknown; bytes: number; binary?: BinarySummary } | undefined {
  const encoding = getOwn(event, 'datacontentencoding');
  const base64 =
    getOwn(event, 'data_base64') ?? (encoding === 'base64' ? getOwn(event, 'data') : undefined);
  const base64At = at.child(getOwn(event, 'data_base64') !== undefined ? 'data_base64' : 'data');
  if (base64 !== undefined) {
    if (
      typeof base64 !== 'string' ||
      !BASE64.test(base64.replace(/\s+/g, '')) ||
      base64.replace(/\s+/g, '').length % 4 !== 0
    ) {
      base64At.error(
        `must be the data as a base64 string; got ${got(base64)}. Send JSON data under "data" instead.`,
      );
      return undefined;
    }
    const bytes = Buffer.from(base64, 'base64');
    const own = Object.hasOwn(extensions, V2_HEADER_LENGTH_EXTENSION)
      ? extensions[V2_HEADER_LENGTH_EXTENSION]
      : undefined;
    const length = own ?? v2.headerLength;
    if (length !== undefined) {
      // The decoded bytes are a V2 binary payload: its JSON header, then the tensors' bytes,
      // checked as in binary mode; problems located under data_base64.
      const lengthAt =
        own !== undefined ? at.child(V2_HEADER_LENGTH_EXTENSION) : (v2.headerAt ?? at);
      const binary = readV2Binary(bytes, length, base64At, lengthAt, v2.maxDepth);
      if (!binary.ok) return undefined;
      return {
        value: binary.value.header,
        bytes: bytes.length,
        binary: binarySummary(binary.value),
      };
    }
    const text = bytes.toString('utf8');
    try {
      return { value: JSON.parse(text) as unknown, bytes: bytes.length };
    } catch {
      base64At.warn(
        `holds ${bytes.length} bytes that are not JSON; the instance count is unknown and only their size is kept.`,
      );
      return { value: undefined, bytes: bytes.length };
    }
  }
  const data = getOwn(event, 'data');
  if (data === undefined) {
    at.child('data').error(
      'is required: the logged request or response payload (or "data_base64" for bytes).',
    );
    return undefined;
  }
  return { value: data, bytes: JSON.stringify(data).length };
}
