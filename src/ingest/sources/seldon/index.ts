import { SELDON_FAMILY } from '../cloudevents/dialect.js';
import { loggerKind } from '../cloudevents/logger-kind.js';

/**
 * Seldon Core request logger (ingest-formats §11.3): as KServe, but pairs by Ce-Requestid
 * (falling back to Ce-Id) and names the model by Ce-Modelid (else the deployment name).
 * Spec versions 0.2, 0.3 and 1.0 are all seen in the wild.
 */
export const SELDON_KIND = loggerKind({
  type: 'seldon',
  title: 'Seldon Core request logger',
  typeFamily: SELDON_FAMILY,
  pairBy: ['requestid'],
  modelFrom: ['modelid', 'inferenceservicename'],
});
