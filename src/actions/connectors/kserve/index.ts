import { describe, parseDuration } from '../../../shared/duration.js';
import { CordonError } from '../../../shared/errors.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import { OutboundClient } from '../../http/outbound-client.js';
import type { InputSpec } from '../../operations.js';
import {
  defineConnectorType,
  text,
  type OperationContext,
  type UndoOf,
} from '../connector-type.js';
import { waitUntilReady } from './wait-ready.js';

interface KServeOptions {
  readonly namespace: string;
}

const INPUTS: Readonly<Record<string, InputSpec>> = {
  service: { type: 'string', required: true, description: 'InferenceService name.' },
  namespace: {
    type: 'string',
    required: false,
    description: "Kubernetes namespace (default: the connector's).",
  },
  storage_uri: {
    type: 'string',
    required: false,
    description:
      'RawDeployment mode: pin the predictor to this artifact instead of zeroing the canary.',
  },
  reason: { type: 'text', required: false, description: 'Recorded as an annotation.' },
  wait: {
    type: 'duration',
    required: false,
    description:
      'After patching, wait up to this long (e.g. `5m`) for Ready=True at the new generation; fail if it does not come.',
  },
};

/** What the rollback replaced, enough for merge-patch to put it back (null = absent). */
interface Replaced {
  readonly canaryTrafficPercent: number | null;
  readonly storageUri: string | null;
}

interface RollbackResult {
  readonly namespace: string;
  readonly service: string;
  readonly patched: 'canaryTrafficPercent' | 'storageUri';
  readonly replaced: Replaced;
  /** Present when `wait` was given: how long Ready took. */
  readonly readyAfterMs?: number;
}

/** The `wait` input in ms (undefined: do not wait); checked before anything is patched. */
function waitMsOf(wait: unknown): number | undefined {
  if (wait === undefined || wait === null) return undefined;
  const d = parseDuration(wait);
  if (!d.ok) throw new CordonError('CORDON_ERR_ACTION_INPUT', `KServe wait ${d.reason}.`);
  return d.ms;
}

/** Waits for Ready when the step asked to (`wait:`); nothing otherwise. */
async function maybeWait(
  client: OutboundClient,
  path: string,
  label: string,
  waitMs: number | undefined,
  ctx: OperationContext,
): Promise<{ readyAfterMs?: number }> {
  if (waitMs === undefined) return {};
  const { waitedMs } = await waitUntilReady(client, path, label, waitMs, ctx);
  return { readyAfterMs: waitedMs };
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isvcPath(namespace: string, service: string): string {
  for (const [what, v] of [
    ['namespace', namespace],
    ['service', service],
  ] as const)
    if (!NAME.test(v) || v.length > 63)
      throw new CordonError(
        'CORDON_ERR_ACTION_INPUT',
        `KServe ${what} must be a Kubernetes name (lower-case letters, digits, "-"); got "${v}".`,
      );
  return `/apis/serving.kserve.io/v1beta1/namespaces/${namespace}/inferenceservices/${service}`;
}

async function readPredictor(
  client: OutboundClient,
  path: string,
  ctx: OperationContext,
): Promise<Replaced> {
  const res = await client.request({ method: 'GET', path, idempotent: true }, ctx.signal);
  const predictor = (
    res.body as
      | {
          spec?: {
            predictor?: { canaryTrafficPercent?: unknown; model?: { storageUri?: unknown } };
          };
        }
      | undefined
  )?.spec?.predictor;
  return {
    canaryTrafficPercent:
      typeof predictor?.canaryTrafficPercent === 'number' ? predictor.canaryTrafficPercent : null,
    storageUri:
      typeof predictor?.model?.storageUri === 'string' ? predictor.model.storageUri : null,
  };
}

function mergePatch(
  client: OutboundClient,
  path: string,
  patch: unknown,
  ctx: OperationContext,
): Promise<unknown> {
  // CRDs take merge-patch, not strategic-merge-patch (415); the same body twice is the same state.
  return client.request(
    {
      method: 'PATCH',
      path,
      headers: { 'content-type': 'application/merge-patch+json' },
      json: patch,
      idempotent: true,
    },
    ctx.signal,
  );
}

/**
 * KServe InferenceService rollback through the Kubernetes API: Serverless mode sends all
 * traffic back to the previous revision (canaryTrafficPercent: 0); RawDeployment pins
 * storageUri. The prior values are kept with the effect so the undo restores them exactly.
 */
export const kserve = defineConnectorType<OutboundClient>({
  type: 'kserve-isvc',
  description: 'KServe InferenceServices (Kubernetes API).',
  http: true,
  urlRequired: true,
  exampleUrl: 'https://kubernetes.default.svc',
  options: {
    compile(value, sink) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', { optional: ['namespace'] });
      const namespace = value.namespace ?? 'default';
      if (typeof namespace !== 'string' || !NAME.test(namespace)) {
        sink.error(
          ['options', 'namespace'],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.namespace is a Kubernetes namespace; got ${describe(namespace)}.`,
        );
        return undefined;
      }
      return { namespace };
    },
  },
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'serving.rollback': {
      contract: {
        name: 'serving.rollback',
        description:
          "Send a KServe InferenceService's traffic back to the previous revision (or pin an artifact).",
        mutating: true,
        reversibleBy: 'serving.restore',
        inputs: INPUTS,
      },
      idempotency:
        'The predictor spec before is read once and kept with the effect; merge-patch with the same body is idempotent. With `wait`, Ready=True at the new generation is polled for (1s doubling to 10s) and its absence fails the step as a timeout.',
      ledger: 'journal',
      undoes:
        'serving.restore merge-patches the replaced canaryTrafficPercent (null removes it) or storageUri back.',
      run: async (inputs, ctx, client) => {
        const namespace =
          text(inputs.namespace) ||
          ((client.instance.options as KServeOptions | undefined)?.namespace ?? 'default');
        const service = text(inputs.service);
        const path = isvcPath(namespace, service);
        const waitMs = waitMsOf(inputs.wait);
        const replaced = await ctx.memo.remember('replaced', () =>
          readPredictor(client, path, ctx),
        );
        const storageUri = text(inputs.storage_uri);
        const annotations = {
          metadata: {
            annotations: {
              'cordon.dev/rollback':
                `${ctx.runId}${inputs.reason === undefined ? '' : `: ${text(inputs.reason)}`}`.slice(
                  0,
                  250,
                ),
            },
          },
        };
        if (storageUri)
          await mergePatch(
            client,
            path,
            { ...annotations, spec: { predictor: { model: { storageUri } } } },
            ctx,
          );
        else
          await mergePatch(
            client,
            path,
            { ...annotations, spec: { predictor: { canaryTrafficPercent: 0 } } },
            ctx,
          );
        const ready = await maybeWait(client, path, `${namespace}/${service}`, waitMs, ctx);
        return {
          namespace,
          service,
          patched: storageUri ? 'storageUri' : 'canaryTrafficPercent',
          replaced,
          ...ready,
        } satisfies RollbackResult;
      },
      undo: async (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as RollbackResult;
        const path = isvcPath(r.namespace, r.service);
        const waitMs = waitMsOf(undoOf.inputs.wait);
        const predictor =
          r.patched === 'storageUri'
            ? { model: { storageUri: r.replaced.storageUri } }
            : { canaryTrafficPercent: r.replaced.canaryTrafficPercent };
        await mergePatch(client, path, { spec: { predictor } }, ctx);
        const ready = await maybeWait(client, path, `${r.namespace}/${r.service}`, waitMs, ctx);
        return { namespace: r.namespace, service: r.service, restored: predictor, ...ready };
      },
    },
    'serving.restore': {
      contract: {
        name: 'serving.restore',
        description: 'Undo of serving.rollback: put back what it replaced.',
        mutating: true,
        inputs: INPUTS,
      },
      idempotency: 'Merge-patch with the same body is idempotent.',
      ledger: 'journal',
      run: () => {
        throw new CordonError(
          'CORDON_ERR_ACTION_INPUT',
          "serving.restore puts back what a serving.rollback of the same run replaced; run it as that action's undo (undo: serving.restore).",
        );
      },
    },
  },
});
