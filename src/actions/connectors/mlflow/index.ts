import { describe } from '../../../shared/duration.js';
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

const API = '/api/2.0/mlflow';

interface MlflowOptions {
  readonly api: 'aliases' | 'stages';
}

function apiOf(client: OutboundClient): MlflowOptions['api'] {
  return (client.instance.options as MlflowOptions | undefined)?.api ?? 'aliases';
}

const ALIAS_INPUTS: Readonly<Record<string, InputSpec>> = {
  model: { type: 'string', required: true, description: 'Registered model name.' },
  alias: {
    type: 'string',
    required: true,
    description:
      'The alias serving resolves, e.g. champion (with options.api: stages, a stage such as Production).',
  },
  version: {
    type: 'string',
    required: false,
    description:
      'Version to point the alias at; default: the highest version below the current one that is not quarantined.',
  },
  reason: {
    type: 'text',
    required: false,
    description: 'Recorded as a tag on the version rolled back from.',
  },
};

const TAG_INPUTS: Readonly<Record<string, InputSpec>> = {
  model: { type: 'string', required: true, description: 'Registered model name.' },
  version: { type: 'string', required: true, description: 'The model version.' },
  reason: { type: 'text', required: false, description: 'Stored in the quarantine_reason tag.' },
};

interface RollbackResult {
  readonly model: string;
  readonly alias: string;
  readonly version: string;
  /** The version the alias pointed at before (null: it pointed nowhere). */
  readonly replaced: string | null;
}

interface QuarantineResult {
  readonly model: string;
  readonly version: string;
  /** The `quarantined` tag before (null: unset). */
  readonly replaced: string | null;
}

interface Version {
  readonly version: string;
  readonly tags: Readonly<Record<string, string>>;
}

async function aliasVersion(
  client: OutboundClient,
  model: string,
  alias: string,
  ctx: OperationContext,
): Promise<string | null> {
  if (apiOf(client) === 'stages') {
    // Deprecated since MLflow 2.9 but what older servers have: the "alias" is a stage name.
    const res = await client.request(
      {
        method: 'POST',
        path: `${API}/registered-models/get-latest-versions`,
        json: { name: model, stages: [alias] },
        idempotent: true,
        accept: [404],
      },
      ctx.signal,
    );
    const latest = (res.body as { model_versions?: { version?: unknown }[] } | undefined)
      ?.model_versions?.[0]?.version;
    return typeof latest === 'string' || typeof latest === 'number' ? String(latest) : null;
  }
  const res = await client.request(
    {
      method: 'GET',
      path: `${API}/registered-models/alias`,
      query: { name: model, alias },
      idempotent: true,
      accept: [404],
    },
    ctx.signal,
  );
  if (res.status === 404) return null;
  const v = (res.body as { model_version?: { version?: unknown } } | undefined)?.model_version
    ?.version;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

async function versions(
  client: OutboundClient,
  model: string,
  ctx: OperationContext,
): Promise<Version[]> {
  const res = await client.request(
    {
      method: 'GET',
      path: `${API}/model-versions/search`,
      query: {
        filter: `name='${model.replace(/'/g, "\\'")}'`,
        max_results: 1000,
        order_by: 'version_number DESC',
      },
      idempotent: true,
    },
    ctx.signal,
  );
  const list =
    (
      res.body as
        | { model_versions?: { version?: unknown; tags?: { key?: unknown; value?: unknown }[] }[] }
        | undefined
    )?.model_versions ?? [];
  return list.map((v) => ({
    version: String(v.version),
    tags: Object.fromEntries((v.tags ?? []).map((t) => [String(t.key), String(t.value)])),
  }));
}

async function setAlias(
  client: OutboundClient,
  model: string,
  alias: string,
  version: string | null,
  ctx: OperationContext,
  from: string | null = null,
): Promise<void> {
  if (apiOf(client) === 'stages') {
    // archive_existing_versions moves whatever held the stage out; "no version" moves `from` out.
    const [v, stage] = version === null ? [from, 'None'] : [version, alias];
    if (v !== null)
      await client.request(
        {
          method: 'POST',
          path: `${API}/model-versions/transition-stage`,
          json: { name: model, version: v, stage, archive_existing_versions: version !== null },
          idempotent: true,
        },
        ctx.signal,
      );
    return;
  }
  if (version === null)
    await client.request(
      {
        method: 'DELETE',
        path: `${API}/registered-models/alias`,
        json: { name: model, alias },
        idempotent: true,
        accept: [404],
      },
      ctx.signal,
    );
  else
    await client.request(
      {
        method: 'POST',
        path: `${API}/registered-models/alias`,
        json: { name: model, alias, version },
        idempotent: true,
      },
      ctx.signal,
    );
}

async function setTag(
  client: OutboundClient,
  model: string,
  version: string,
  key: string,
  value: string,
  ctx: OperationContext,
): Promise<void> {
  await client.request(
    {
      method: 'POST',
      path: `${API}/model-versions/set-tag`,
      json: { name: model, version, key, value },
      idempotent: true,
    },
    ctx.signal,
  );
}

/**
 * MLflow Model Registry 2.0: roll an alias back (serving resolves models:/name@alias) and
 * quarantine versions by tag. Both keep what they replaced so their undo puts it back.
 */
export const mlflow = defineConnectorType<OutboundClient>({
  type: 'mlflow',
  description: 'MLflow Model Registry (REST 2.0).',
  http: true,
  urlRequired: true,
  exampleUrl: 'http://mlflow:5000',
  options: {
    compile(value, sink) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', { optional: ['api'] });
      const api = value.api ?? 'aliases';
      if (api !== 'aliases' && api !== 'stages') {
        sink.error(
          ['options', 'api'],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.api is aliases (MLflow 2.9+) or stages (older servers; "alias" inputs then name a stage such as Production); got ${describe(api)}.`,
        );
        return undefined;
      }
      return { api };
    },
  },
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'model.rollback': {
      contract: {
        name: 'model.rollback',
        description: 'Point a model alias at the previous (or a named) version.',
        mutating: true,
        reversibleBy: 'model.restore',
        inputs: ALIAS_INPUTS,
      },
      idempotency:
        'The replaced version and the chosen target are kept with the effect before the alias moves; the move is an upsert, so a retry after a timeout moves it to the same version and still knows what it replaced.',
      ledger: 'journal',
      undoes:
        'model.restore points the alias back at the replaced version (or deletes it if there was none).',
      run: async (inputs, ctx, client) => {
        const model = text(inputs.model);
        const alias = text(inputs.alias);
        const replaced = await ctx.memo.remember('replaced', () =>
          aliasVersion(client, model, alias, ctx),
        );
        const target = await ctx.memo.remember('target', async () => {
          if (inputs.version !== undefined) return text(inputs.version);
          const below = (await versions(client, model, ctx))
            .filter((v) => replaced === null || Number(v.version) < Number(replaced))
            .find((v) => v.tags.quarantined !== 'true');
          if (!below)
            throw new CordonError(
              'CORDON_ERR_ACTION_INPUT',
              `Model "${model}" has no version below ${replaced ?? '(none)'} that is not quarantined to roll ${alias} back to; name one with "version".`,
            );
          return below.version;
        });
        await setAlias(client, model, alias, target, ctx);
        if (replaced !== null && inputs.reason !== undefined)
          await setTag(client, model, replaced, 'cordon_rolled_back', text(inputs.reason), ctx);
        return { model, alias, version: target, replaced } satisfies RollbackResult;
      },
      undo: async (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as RollbackResult;
        await setAlias(client, r.model, r.alias, r.replaced, ctx, r.version);
        return { model: r.model, alias: r.alias, version: r.replaced, replaced: r.version };
      },
    },
    'model.restore': {
      contract: {
        name: 'model.restore',
        description:
          'Point an alias at a named version (as an undo: the version model.rollback replaced).',
        mutating: true,
        inputs: ALIAS_INPUTS,
      },
      idempotency: 'The alias set is an upsert.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        if (inputs.version === undefined)
          throw new CordonError(
            'CORDON_ERR_ACTION_INPUT',
            'model.restore needs "version" unless it runs as the undo of model.rollback.',
          );
        const model = text(inputs.model);
        const alias = text(inputs.alias);
        const replaced = await aliasVersion(client, model, alias, ctx);
        await setAlias(client, model, alias, text(inputs.version), ctx);
        return { model, alias, version: text(inputs.version), replaced };
      },
    },
    'model.quarantine': {
      contract: {
        name: 'model.quarantine',
        description: 'Tag a model version quarantined=true (rollbacks skip it).',
        mutating: true,
        reversibleBy: 'model.release',
        inputs: TAG_INPUTS,
      },
      idempotency: 'The previous tag value is kept with the effect; set-tag is an upsert.',
      ledger: 'journal',
      undoes: 'model.release sets the tag back to what it was (false when it was unset).',
      run: async (inputs, ctx, client) => {
        const model = text(inputs.model);
        const version = text(inputs.version);
        const replaced = await ctx.memo.remember(
          'replaced',
          async () =>
            (await versions(client, model, ctx)).find((v) => v.version === version)?.tags
              .quarantined ?? null,
        );
        await setTag(client, model, version, 'quarantined', 'true', ctx);
        if (inputs.reason !== undefined)
          await setTag(client, model, version, 'quarantine_reason', text(inputs.reason), ctx);
        return { model, version, replaced } satisfies QuarantineResult;
      },
      undo: async (undoOf, ctx, client) => {
        const r = undoOf.result as QuarantineResult;
        await setTag(client, r.model, r.version, 'quarantined', r.replaced ?? 'false', ctx);
        return { model: r.model, version: r.version, quarantined: r.replaced ?? 'false' };
      },
    },
    'model.release': {
      contract: {
        name: 'model.release',
        description: 'Lift a quarantine: tag the version quarantined=false.',
        mutating: true,
        inputs: TAG_INPUTS,
      },
      idempotency: 'set-tag is an upsert.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        await setTag(client, text(inputs.model), text(inputs.version), 'quarantined', 'false', ctx);
        return { model: text(inputs.model), version: text(inputs.version), quarantined: 'false' };
      },
    },
  },
});
