import { KSERVE_FAMILY } from '../cloudevents/dialect.js';
import { loggerKind } from '../cloudevents/logger-kind.js';

/**
 * KServe inference logger (ingest-formats §11.2): binary-mode CloudEvents, one per logged
 * request and per response, paired by (Ce-Id, Ce-Inferenceservicename, Ce-Namespace). The
 * model is the InferenceService name. See `cloudevents/logger-event.ts` for the join.
 */
export const KSERVE_KIND = loggerKind({
  type: 'kserve',
  title: 'KServe inference logger',
  typeFamily: KSERVE_FAMILY,
  pairBy: [],
  modelFrom: ['inferenceservicename'],
});
