import { describe } from '../../shared/duration.js';
import { isCordonError } from '../../shared/errors.js';
import type { DiagnosticSink } from '../../shared/yaml.js';
import type { OutboundClient } from '../http/outbound-client.js';
import type { OperationContext } from './connector-type.js';

/**
 * Webhooks (Slack, Teams) have no idempotency key and no way to read back what was posted, so
 * after a post whose answer never came (a crash, a timeout, a 5xx) nobody can know whether it
 * landed. `skip` (the default) does not post again: at most one message, and the step reports
 * `posted: "unknown"`. `repost` posts again: at least one message, maybe two.
 */
export type OnUnknown = 'skip' | 'repost';

export const ON_UNKNOWN_VALUES: readonly OnUnknown[] = ['skip', 'repost'];

/** Compiles `options.on_unknown` (the caller has checked `options` is a mapping). */
export function compileOnUnknown(value: unknown, sink: DiagnosticSink): OnUnknown | undefined {
  const v = value ?? 'skip';
  if (v === 'skip' || v === 'repost') return v;
  sink.error(
    ['options', 'on_unknown'],
    'CORDON_ERR_DEFINITION_VALUE',
    `options.on_unknown is skip (never post twice; a post whose answer was lost is reported as unknown) or repost (post again; may duplicate); got ${describe(v)}.`,
  );
  return undefined;
}

/** A post that surely did not land: the webhook answered 4xx (429 included), or refused it. */
function surelyNotPosted(err: unknown): boolean {
  if (!(err instanceof Error) || !isCordonError(err)) return false;
  const status = err.details?.status;
  if (typeof status === 'number') return status < 500;
  return err.code === 'CORDON_ERR_ACTION_HOST_REFUSED' || err.code === 'CORDON_ERR_ACTION_INPUT';
}

export interface UnknownOutcome {
  readonly posted: 'unknown';
  readonly reason: string;
}

/**
 * Posts at most once per effect across job retries (or at least once, with `repost`). Before
 * each send it writes an attempt marker with the effect; a send that surely failed writes a
 * second marker. A retry that finds an attempt without either a recorded result (the ledger
 * answers those before this runs) or a failure marker knows the outcome is unknown.
 * The residual window: a crash after the marker and before the request leaves loses the
 * message (reported unknown, not posted) under `skip`, and posts it twice under `repost`
 * only if the first one did land.
 */
export async function postOnce<R>(
  ctx: OperationContext,
  client: OutboundClient,
  onUnknown: OnUnknown,
  send: () => Promise<R>,
): Promise<R | UnknownOutcome> {
  let attempt = 0;
  for (; ; attempt++) {
    const started = await ctx.memo.recall<number>(`attempt:${attempt}`);
    if (started === undefined) break;
    const failed = await ctx.memo.recall<boolean>(`failed:${attempt}`);
    if (failed || onUnknown === 'repost') continue;
    return {
      posted: 'unknown',
      reason: `Connector "${client.instance.name}": an earlier attempt of this step sent the message and got no answer (crash, timeout or 5xx); it is not sent again so the channel never gets it twice (options.on_unknown: skip).`,
    };
  }
  await ctx.memo.remember(`attempt:${attempt}`, () => Promise.resolve(ctx.now));
  try {
    return await send();
  } catch (err) {
    if (surelyNotPosted(err))
      await ctx.memo.remember(`failed:${attempt}`, () => Promise.resolve(true));
    throw err;
  }
}
