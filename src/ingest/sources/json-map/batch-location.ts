import { Location } from '../../normalizers/findings.js';
import type { Findings } from '../../normalizers/findings.js';

/**
 * A batch item whose result index differs from its place in the body: an Elasticsearch
 * `_bulk` action (item number ≠ line number) or an OTLP log record (a running count across
 * nested resource/scope arrays). Errors under it still point at the body (`pointer`), while
 * `Findings.batch()` reports them under `index`.
 */
export function batchItemAt(
  findings: Findings,
  parent: Location,
  segment: string | number,
  index: number,
  prefix = '',
): Location {
  return new Location(findings, parent, segment, prefix, index);
}
