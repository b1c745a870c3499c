import { elasticBulk } from './elastic-bulk.js';
import { langfuseIngestion } from './langfuse.js';
import { otlpLogs } from './otlp-logs.js';
import type { DropInProtocol } from './protocol.js';
import { splunkHec } from './splunk-hec.js';

/** Every sender protocol Cordon speaks natively. */
export const DROP_IN_PROTOCOLS: readonly DropInProtocol[] = [
  splunkHec,
  elasticBulk,
  otlpLogs,
  langfuseIngestion,
];
export type { DropInProtocol } from './protocol.js';
