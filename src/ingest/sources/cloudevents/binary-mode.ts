import type { Location } from '../../normalizers/findings.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { SourceRequest } from '../source-kind.js';
import { readV2Binary, V2_HEADER_LENGTH } from '../inference-common/v2-binary.js';
import type { CloudEvent } from './attributes.js';
import {
  binarySummary,
  checkSpecVersion,
  CORE_ATTRIBUTES,
  headerAt,
  REQUIRED_ATTRIBUTES,
} from './attributes.js';

const PREFIX = 'ce-';
/** More extension headers than this is not a model-server logger; the rest are ignored. */
const MAX_EXTENSIONS = 64;

export function hasBinaryAttributes(headers: SourceRequest['headers']): boolean {
  return Object.keys(headers).some((name) => name.startsWith(PREFIX));
}

/**
 * Binary mode: attributes in `ce-*` headers, the body is the data. Every missing or bad
 * header and a bad body are reported together, so the sender fixes them in one round.
 */
export function readBinaryEvent(
  request: SourceRequest,
  root: Location,
  expected: string,
  maxDepth: number | undefined,
  typeFamily: string,
): CloudEvent {
  const header = (name: string): string | undefined => {
    const value = request.headers[`${PREFIX}${name}`];
    return typeof value === 'string' ? value : undefined;
  };
  let ok = true;
  const required: Record<string, string> = {};
  for (const name of REQUIRED_ATTRIBUTES) {
    const value = header(name);
    if (value === undefined || value.trim() === '') {
      headerAt(root, `${PREFIX}${name}`).error(
        `${value === undefined ? 'is missing' : 'is empty'}: every CloudEvent needs the header Ce-${name[0]?.toUpperCase()}${name.slice(1)} ${requiredHint(name, typeFamily)}.`,
      );
      ok = false;
    } else required[name] = value.trim();
  }
  if (required.specversion !== undefined)
    ok = checkSpecVersion(required.specversion, headerAt(root, 'ce-specversion')) && ok;
  const extensions: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(request.headers)) {
    if (!name.startsWith(PREFIX) || value === undefined) continue;
    const attribute = name.slice(PREFIX.length);
    if (CORE_ATTRIBUTES.has(attribute) || attribute === '' || count >= MAX_EXTENSIONS) continue;
    Object.defineProperty(extensions, attribute, {
      value: value.trim(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    count += 1;
  }
  const binaryHeader = request.headers[V2_HEADER_LENGTH];
  const binary =
    binaryHeader === undefined
      ? undefined
      : readV2Binary(request.body, binaryHeader, root, headerAt(root, V2_HEADER_LENGTH), maxDepth);
  const parsed =
    binary === undefined
      ? parseJsonBody(request.body, root, { expected, maxDepth })
      : binary.ok
        ? { ok: true as const, value: binary.value.header }
        : binary;
  return {
    mode: 'binary',
    complete: ok && parsed.ok,
    specversion: required.specversion ?? '',
    id: required.id ?? '',
    type: required.type ?? '',
    source: required.source ?? '',
    time: header('time')?.trim() || undefined,
    extensions,
    data: parsed.ok ? parsed.value : undefined,
    dataBytes: request.body.length,
    ...(binary?.ok === true ? { binary: binarySummary(binary.value) } : {}),
    attributeAt: (name) => headerAt(root, `${PREFIX}${name}`),
    at: root,
  };
}

function requiredHint(name: string, typeFamily: string): string {
  switch (name) {
    case 'type':
      return `(the logger sends "${typeFamily}.request" or "${typeFamily}.response"; without it a request cannot be told from a response)`;
    case 'id':
      return '(the request id, shared by the request and its response)';
    case 'source':
      return '(the URI of the logger, e.g. "http://localhost:9081/")';
    default:
      return '("1.0")';
  }
}
