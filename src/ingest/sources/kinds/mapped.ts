import type { AnySourceKind } from '../source-kind.js';
import { ecsKind } from '../ecs/index.js';
import { elasticBulkKind } from '../elastic-bulk/index.js';
import { jsonMapKind } from '../json-map/index.js';
import { otlpLogsKind } from '../otlp-logs/index.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const MAPPED_KINDS: readonly AnySourceKind[] = [
  jsonMapKind,
  ecsKind,
  elasticBulkKind,
  otlpLogsKind,
];
