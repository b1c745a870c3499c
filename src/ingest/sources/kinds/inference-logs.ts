import type { AnySourceKind } from '../source-kind.js';
import { torchserveKind } from '../torchserve/index.js';
import { tritonLogKind } from '../triton-log/index.js';
import { tritonMetricsKind } from '../triton-metrics/index.js';

/** Inference-server log and metrics kinds (TorchServe, Triton), shown first among inference kinds. */
export const INFERENCE_LOG_KINDS: readonly AnySourceKind[] = [
  torchserveKind,
  tritonLogKind,
  tritonMetricsKind,
];
