import { outboundError } from '../../http/outbound-errors.js';
import type { OutboundClient } from '../../http/outbound-client.js';
import type { OperationContext } from '../connector-type.js';

/** First poll delay; doubled per poll up to POLL_MAX_MS (a rollout takes seconds to minutes). */
const POLL_FIRST_MS = 1_000;
const POLL_MAX_MS = 10_000;

interface Condition {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

interface Readiness {
  readonly ready: boolean;
  /** What the last answer said, for the error when the wait runs out. */
  readonly detail: string;
}

function readiness(body: unknown): Readiness {
  const o = body as
    | {
        metadata?: { generation?: unknown };
        status?: { observedGeneration?: unknown; conditions?: Condition[] };
      }
    | undefined;
  const generation = o?.metadata?.generation;
  const observed = o?.status?.observedGeneration;
  const ready = (o?.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const current = typeof generation !== 'number' || observed === generation;
  const readyText = ready
    ? `Ready=${String(ready.status)}${typeof ready.reason === 'string' ? ` (${ready.reason}${typeof ready.message === 'string' ? `: ${ready.message.slice(0, 200)}` : ''})` : ''}`
    : 'no Ready condition';
  return {
    ready: current && ready?.status === 'True',
    detail: `${readyText}; observedGeneration ${typeof observed === 'number' ? observed : 'unset'} of generation ${typeof generation === 'number' ? generation : 'unset'}`,
  };
}

/**
 * Polls the InferenceService until the controller has seen the patch (observedGeneration ==
 * generation) and reports Ready=True, with doubling delays, for at most `waitMs` on the
 * injected clock. Running out fails as a timeout naming the last status; the patch itself
 * stays applied (re-running the step re-applies the same patch and waits again).
 */
export async function waitUntilReady(
  client: OutboundClient,
  path: string,
  label: string,
  waitMs: number,
  ctx: OperationContext,
): Promise<{ readonly waitedMs: number }> {
  const start = client.now();
  let delay = POLL_FIRST_MS;
  for (;;) {
    const res = await client.request({ method: 'GET', path, idempotent: true }, ctx.signal);
    const r = readiness(res.body);
    const waited = client.now() - start;
    if (r.ready) return { waitedMs: waited };
    if (waited >= waitMs)
      throw outboundError(
        'CORDON_ERR_ACTION_TIMEOUT',
        `Connector "${client.instance.name}": InferenceService ${label} did not report Ready within ${Math.round(waitMs / 1000)}s after the patch (${r.detail}). The patch is applied; check the predictor's pods and events, or raise wait.`,
      );
    await client.pause(Math.min(delay, Math.max(0, waitMs - waited)), ctx.signal);
    delay = Math.min(delay * 2, POLL_MAX_MS);
  }
}
