import { sha256Hex, stableStringify } from '../shared/hash.js';

/**
 * What an approval binds to: the operation, the connector and the rendered inputs. The runner
 * computes it when it asks for approval and again before queueing the action; the action
 * worker computes it once more from the job it is about to run, so a job altered after the
 * approval (in Redis, or by a bug on the way) is refused rather than run.
 */
export function actionInputsHash(
  operation: string,
  connector: string,
  inputs: Readonly<Record<string, unknown>>,
): string {
  return sha256Hex(stableStringify({ operation, connector, inputs }));
}
