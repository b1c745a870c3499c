import type { Location } from '../../normalizers/findings.js';
import type { V2BinaryPayload } from '../inference-common/v2-binary.js';
import type { TensorStats } from '../inference-common/tensor-stats.js';

/**
 * One CloudEvent as read from either HTTP binding (CloudEvents 1.0 HTTP protocol binding):
 * binary mode (attributes in `ce-*` headers, body = data; what KServe and Seldon send) or
 * structured mode (`application/cloudevents+json`, attributes and data in one JSON object).
 */
export interface CloudEvent {
  readonly mode: 'binary' | 'structured';
  /**
   * False when a required attribute or the data was missing or bad (already reported): the
   * remaining attributes are still checked, so every problem is reported at once, but no
   * event is made.
   */
  readonly complete: boolean;
  readonly specversion: string;
  readonly id: string;
  readonly type: string;
  readonly source: string;
  /** `time` as sent (RFC 3339), if any. */
  readonly time: string | undefined;
  /** Extension attributes by lower-case name (`inferenceservicename`, `metadata`, …). */
  readonly extensions: Readonly<Record<string, string>>;
  /** The payload, parsed; undefined when it is not JSON (then only its size is known). */
  readonly data: unknown;
  readonly dataBytes: number;
  /**
   * Set when the data was an Open Inference (V2) binary payload: `data` is then its JSON
   * header, and the tensors' bytes were checked and dropped (see inference-common/v2-binary.ts).
   */
  readonly binary?: BinarySummary;
  /** Where problems of attribute `name` are reported (a header or a body key). */
  attributeAt(name: string): Location;
  /** The item: errors under it refuse this event only. */
  readonly at: Location;
}

/** What a V2 binary payload's tensors were: their total bytes, count and per-tensor statistics. */
export interface BinarySummary {
  readonly bytes: number;
  readonly tensors: number;
  readonly stats: readonly TensorStatsEntry[];
}

export interface TensorStatsEntry extends TensorStats {
  readonly name: string;
  readonly io: 'inputs' | 'outputs';
  readonly datatype: string;
}

/** The summary a CloudEvent carries of a checked V2 binary payload. */
export function binarySummary(payload: V2BinaryPayload): BinarySummary {
  const stats: TensorStatsEntry[] = [];
  for (const t of payload.tensors)
    if (t.stats !== undefined)
      stats.push({ name: t.name, io: t.io, datatype: t.datatype, ...t.stats });
  return { bytes: payload.binaryBytes, tensors: payload.tensors.length, stats };
}

/** The attributes every CloudEvent must carry (CloudEvents 1.0 §"Required Attributes"). */
export const REQUIRED_ATTRIBUTES = ['specversion', 'id', 'source', 'type'] as const;

/** Spec versions seen from model-server loggers (Seldon still sends 0.2/0.3). */
export const SPEC_VERSIONS = ['0.2', '0.3', '1.0'] as const;

/** Attributes that are part of the core, not extensions. */
export const CORE_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'dataschema',
  'schemaurl',
  'datacontenttype',
  'contenttype',
  'datacontentencoding',
  'data',
  'data_base64',
]);

/** Extension names are lower-case letters and digits (CloudEvents 1.0 naming conventions). */
export const EXTENSION_NAME = /^[a-z0-9]{1,40}$/;

/** Header location under the pseudo-path `/headers/<name>`, so binary-mode errors are located too. */
export function headerAt(root: Location, name: string): Location {
  return root.child('headers').child(name);
}

export function checkSpecVersion(value: string, at: Location): boolean {
  if ((SPEC_VERSIONS as readonly string[]).includes(value)) return true;
  at.error(
    `must be a CloudEvents spec version this endpoint reads (${SPEC_VERSIONS.join(', ')}); got ${JSON.stringify(value.slice(0, 40))}.`,
  );
  return false;
}
