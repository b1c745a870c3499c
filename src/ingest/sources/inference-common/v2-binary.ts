import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { Parsed } from '../../normalizers/parse-json-body.js';
import { dimension } from './payload-summary.js';
import { hasStats, MAX_STAT_ELEMENTS, tensorStats } from './tensor-stats.js';
import type { TensorStats } from './tensor-stats.js';

/**
 * The Open Inference Protocol (KServe V2) binary tensor extension: a JSON header of
 * `Inference-Header-Content-Length` bytes, then each tensor's raw bytes in header order
 * (row-major, little-endian), each tensor's length in `parameters.binary_data_size`.
 * The bytes are checked against the header (sizes add up, each tensor's size fits its
 * datatype and shape) but never copied: they are read in place and not kept.
 */
export const V2_HEADER_LENGTH = 'inference-header-content-length';

/** Bytes per element of the fixed-size datatypes; BYTES elements carry their own length. */
const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  BF16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};
const DATATYPES = [...Object.keys(ELEMENT_BYTES), 'BYTES'];

/** More tensors than this in one payload is not a model's signature: refused, not walked. */
export const MAX_BINARY_TENSORS = 256;
/** A longer JSON header is refused before it is decoded (the tensors are the large part). */
export const MAX_V2_HEADER_BYTES = 1_048_576;

export interface BinaryTensor {
  readonly name: string;
  /** Where it was declared: `inputs` or `outputs`. */
  readonly io: 'inputs' | 'outputs';
  readonly datatype: string;
  readonly elements: number;
  readonly bytes: number;
  /** Numeric tensors within the payload's statistics budget (tensor-stats.ts). */
  readonly stats?: TensorStats;
}

export interface V2BinaryPayload {
  /** The JSON header: what the JSON form of the payload holds, without the tensors' data. */
  readonly header: JsonObject;
  readonly tensors: readonly BinaryTensor[];
  /** Bytes after the JSON header. */
  readonly binaryBytes: number;
}

export function readV2Binary(
  body: Buffer,
  lengthHeader: string,
  root: Location,
  lengthAt: Location,
  maxDepth: number | undefined,
): Parsed<V2BinaryPayload> {
  const headerBytes = readHeaderLength(lengthHeader, body.length, lengthAt);
  if (headerBytes === undefined) return { ok: false };
  const parsed = parseJsonBody(body.subarray(0, headerBytes), root, {
    expected: `the V2 JSON inference header (its byte length in ${HEADER_NAME})`,
    maxDepth,
  });
  if (!parsed.ok) return { ok: false };
  const header = parsed.value;
  if (!isJsonObject(header)) {
    root.error(
      `the V2 JSON header must be an object with "inputs" or "outputs"; got ${got(header)}.`,
    );
    return { ok: false };
  }
  const binaryBytes = body.length - headerBytes;
  const tensors: BinaryTensor[] = [];
  let offset = 0;
  let ok = true;
  let statBudget = MAX_STAT_ELEMENTS;
  for (const key of ['inputs', 'outputs'] as const) {
    const list = getOwn(header, key);
    if (!Array.isArray(list)) continue;
    if (list.length > MAX_BINARY_TENSORS) {
      root
        .child(key)
        .error(
          `holds ${list.length} tensors; at most ${MAX_BINARY_TENSORS} are read from a binary payload. Split the request.`,
        );
      return { ok: false };
    }
    list.forEach((tensor, index) => {
      const at = root.child(key).child(index);
      const read = readTensor(tensor, at, key);
      if (read === 'json') return;
      if (read === undefined) {
        ok = false;
        return;
      }
      if (offset + read.bytes > binaryBytes) {
        at.child('parameters')
          .child('binary_data_size')
          .error(
            `is ${read.bytes}, but only ${binaryBytes - offset} of the ${binaryBytes} bytes after the JSON header are left for it ` +
              `(the tensors before it take ${offset}): the body is cut short, or ${HEADER_NAME} or a binary_data_size is wrong.`,
          );
        ok = false;
        offset = binaryBytes;
        return;
      }
      if (read.datatype === 'BYTES') {
        const slice = body.subarray(headerBytes + offset, headerBytes + offset + read.bytes);
        if (!checkBytesElements(slice, read.elements, at)) ok = false;
      }
      let stats: TensorStats | undefined;
      if (hasStats(read.datatype) && read.elements <= statBudget) {
        statBudget -= read.elements;
        const start = headerBytes + offset;
        stats = tensorStats(body.subarray(start, start + read.bytes), read.datatype, read.elements);
      }
      offset += read.bytes;
      tensors.push(stats === undefined ? read : { ...read, stats });
    });
  }
  if (ok && offset !== binaryBytes) {
    root.error(
      `${binaryBytes} bytes follow the JSON header (${HEADER_NAME}: ${headerBytes}), but the tensors' ` +
        `binary_data_size add up to ${offset}: send one binary_data_size per binary tensor, in the header's order, and nothing after them.`,
    );
    ok = false;
  }
  return ok ? { ok: true, value: { header, tensors, binaryBytes } } : { ok: false };
}

const HEADER_NAME = 'Inference-Header-Content-Length';

function readHeaderLength(text: string, bodyBytes: number, at: Location): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) {
    at.error(
      `must be the byte length of the JSON header that starts the body, a non-negative integer; got ${got(trimmed)}.`,
    );
    return undefined;
  }
  const n = Number(trimmed);
  if (n > bodyBytes) {
    at.error(
      `is ${n}, past the end of the ${bodyBytes}-byte body: the body is cut short, or the header counts more than the JSON header's bytes.`,
    );
    return undefined;
  }
  if (n > MAX_V2_HEADER_BYTES) {
    at.error(
      `is ${n}; a JSON inference header of at most ${MAX_V2_HEADER_BYTES} bytes is read. Send large data as binary tensors.`,
    );
    return undefined;
  }
  return n;
}

/** A binary tensor's declaration; 'json' when its data is in the header (no binary_data_size). */
function readTensor(
  tensor: unknown,
  at: Location,
  io: BinaryTensor['io'],
): BinaryTensor | 'json' | undefined {
  if (!isJsonObject(tensor)) return 'json';
  const parameters = getOwn(tensor, 'parameters');
  const declared = isJsonObject(parameters) ? getOwn(parameters, 'binary_data_size') : undefined;
  if (declared === undefined) return 'json';
  const sizeAt = at.child('parameters').child('binary_data_size');
  let ok = true;
  if (typeof declared !== 'number' || !Number.isSafeInteger(declared) || declared < 0) {
    sizeAt.error(`must be the tensor's byte length, a non-negative integer; got ${got(declared)}.`);
    ok = false;
  }
  const datatype = getOwn(tensor, 'datatype');
  if (typeof datatype !== 'string' || !DATATYPES.includes(datatype)) {
    at.child('datatype').error(
      `must be one of ${DATATYPES.join(', ')} for a binary tensor; got ${got(datatype)}.`,
    );
    ok = false;
  }
  const elements = elementCount(getOwn(tensor, 'shape'), at.child('shape'));
  if (!ok || elements === undefined) return undefined;
  const bytes = declared as number;
  const type = datatype as string;
  const width = ELEMENT_BYTES[type];
  if (width !== undefined && elements * width !== bytes) {
    sizeAt.error(
      `is ${bytes}, but a ${type} tensor of ${elements} elements takes ${elements * width} bytes (${width} each): ` +
        'fix the shape or the size, or the bytes that follow.',
    );
    return undefined;
  }
  const name = getOwn(tensor, 'name');
  return { name: typeof name === 'string' ? name : '', io, datatype: type, elements, bytes };
}

function elementCount(shape: unknown, at: Location): number | undefined {
  if (!Array.isArray(shape)) {
    at.error(
      `must be the tensor's dimensions, an array of non-negative integers; got ${got(shape)}.`,
    );
    return undefined;
  }
  let n = 1;
  for (const [i, d] of shape.entries()) {
    const dim = dimension(d);
    if (dim === undefined) {
      at.child(i).error(`must be a non-negative integer dimension; got ${got(d)}.`);
      return undefined;
    }
    n *= dim;
  }
  if (!Number.isSafeInteger(n)) {
    at.error('describes more elements than can be counted exactly; the shape cannot be right.');
    return undefined;
  }
  return n;
}

/**
 * A BYTES tensor is its elements one after another, each a 4-byte little-endian length and
 * that many bytes: the walk must land exactly on the tensor's end after `elements` of them.
 */
function checkBytesElements(slice: Buffer, elements: number, at: Location): boolean {
  let pos = 0;
  let count = 0;
  while (pos < slice.length && count < elements) {
    if (pos + 4 > slice.length) break;
    pos += 4 + slice.readUInt32LE(pos);
    count += 1;
  }
  if (count === elements && pos === slice.length) return true;
  at.child('parameters')
    .child('binary_data_size')
    .error(
      `is ${slice.length}, but its bytes do not hold ${elements} BYTES elements (each a 4-byte little-endian length, then that many bytes): ` +
        `${pos > slice.length ? `element ${count - 1} (from 0) runs past the end` : `${count} elements end at byte ${pos}`}.`,
    );
  return false;
}
