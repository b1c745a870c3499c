import type { SecretRef } from '../../config/connectors.js';
import { CordonError, isCordonError } from '../../shared/errors.js';
import type { EffectLedger } from '../../store/effect-ledger.js';
import type { ActionContext, Executor, ExecutorTable } from '../executors.js';
import { OutboundClient } from '../http/outbound-client.js';
import { Redactor } from '../http/redactor.js';
import type {
  ConnectorDeps,
  ConnectorOperation,
  ConnectorType,
  EffectMemo,
  OperationContext,
  UndoOf,
} from './connector-type.js';
import type { ActionInstance } from './instance-config.js';
import { actWithHolds, heldTarget } from './holds.js';
import { CONNECTOR_TYPES, connectorType } from './registry.js';
import { resolveSecret } from './secrets.js';

/** What a built-in type runs with when connectors/ names no instance of it. */
const BUILTIN_INSTANCE: ActionInstance = {
  name: '',
  type: '',
  enabled: true,
  auth: { scheme: 'none' },
  timeoutMs: 0,
  retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 },
  allowHosts: [],
  options: undefined,
};

interface Started {
  readonly type: ConnectorType;
  readonly client: unknown;
  readonly redactor: Redactor;
}

/**
 * The executor table the action worker consumes (type → operation → executor), built from the
 * enabled action connector instances. Each executor finds its instance by the job's connector
 * name, answers a retry from the ledger, runs the operation (or, given `undoOf`, the undo of
 * the operation being reversed), redacts the instance's secrets from the result and its
 * errors, and records the result once. Throws at construction when a secret is missing,
 * naming the variable or file and never a value.
 */
export function buildExecutorTable(
  instances: readonly ActionInstance[],
  deps: ConnectorDeps & { readonly ledger: EffectLedger },
): ExecutorTable {
  checkConnectorSecrets(instances, deps);
  const started = new Map<string, Started>();
  for (const inst of instances) {
    if (!inst.enabled) continue;
    const type = connectorType(inst.type);
    if (!type) continue;
    const client = type.create(inst, deps);
    started.set(inst.name, {
      type,
      client,
      redactor: client instanceof OutboundClient ? client.redactor : new Redactor(),
    });
  }
  const table: Record<string, Record<string, Executor>> = {};
  for (const type of CONNECTOR_TYPES) {
    const ops: Record<string, Executor> = {};
    for (const [name, op] of Object.entries(type.operations))
      ops[name] = (inputs, ctx) => execute(type, name, op, inputs, ctx, started, deps);
    table[type.type] = ops;
  }
  return table;
}

/**
 * The built-in types alone, for embedders and tests with no connectors/ instances: their
 * effects are atomic in Redis, so they need no ledger, secrets or memo.
 */
export function builtinExecutorTable(
  deps: Pick<ConnectorDeps, 'limiter' | 'cases'>,
): ExecutorTable {
  const table: Record<string, Record<string, Executor>> = {};
  const noMemo: EffectMemo = {
    remember: () => Promise.reject(new Error('Built-in connectors keep nothing across retries.')),
    recall: () => Promise.resolve(undefined),
    recallFrom: () => Promise.resolve(undefined),
  };
  for (const type of CONNECTOR_TYPES.filter((t) => !t.http)) {
    const client = type.create(
      { ...BUILTIN_INSTANCE, name: type.type, type: type.type },
      {
        ...deps,
        clock: { now: () => Date.now() },
        secrets: { env: {}, readFile: () => '' },
      },
    );
    table[type.type] = Object.fromEntries(
      Object.entries(type.operations).map(([name, op]) => [
        name,
        async (inputs, ctx) => {
          // As execute() does: the undo of an operation that defines its own runs that.
          const undoOf = (ctx as ActionContext & { undoOf?: UndoOf }).undoOf;
          const undoing = undoOf ? type.operations[undoOf.operation] : undefined;
          const opCtx = operationContext(ctx, ctx.connector ?? type.type, noMemo, undoOf);
          return undoing?.undo && undoOf
            ? undoing.undo(undoOf, opCtx, client)
            : op.run(inputs, opCtx, client);
        },
      ]),
    );
  }
  return table;
}

async function execute(
  type: ConnectorType,
  name: string,
  op: ConnectorOperation<unknown>,
  inputs: Readonly<Record<string, unknown>>,
  ctx: ActionContext,
  started: ReadonlyMap<string, Started>,
  deps: ConnectorDeps & { readonly ledger: EffectLedger },
): Promise<unknown> {
  const instance = findInstance(type, name, ctx, started, deps);
  const undoOf = (ctx as ActionContext & { undoOf?: UndoOf }).undoOf;
  const undoing = undoOf ? type.operations[undoOf.operation] : undefined;
  const opCtx = operationContext(
    ctx,
    ctx.connector ?? type.type,
    memoFor(ctx, deps.ledger),
    undoOf,
  );
  const act = (): Promise<unknown> =>
    undoing?.undo && undoOf
      ? undoing.undo(undoOf, opCtx, instance.client)
      : op.run(inputs, opCtx, instance.client);
  // The ledger names the concrete instance that acts (a route may have picked it).
  const naming = (): Promise<unknown> =>
    deps.ledger.remember(ctx.effectKey, ctx.runId, 'connector', opCtx.connector, ctx.now);
  if (op.ledger === 'atomic') {
    // With replica acknowledgement the naming travels on a connection of its own and is
    // acknowledged before the effect (the effect's own script then finds the name there).
    if (deps.ledger.acknowledged) await naming();
    // Otherwise the effect's own script names it (memo connector, the first name stays), in
    // the same atomic step: one script per step, not a naming script sent ahead of it. An
    // effect refused before it is sent (bad inputs) names nothing, since nothing acted.
    return act();
  }
  await naming();
  const prior = await deps.ledger.result(ctx.effectKey);
  if (prior) {
    // An attempt that recorded but did not hear back kept its target taken: give it back.
    const target = heldTarget(type, op, inputs, opCtx);
    if (target) await deps.ledger.unlockHolds(target, ctx.effectKey);
    return prior.result;
  }
  let result: unknown;
  try {
    const acted = await actWithHolds({
      type,
      name,
      op,
      inputs,
      ctx: opCtx,
      client: instance.client,
      ledger: deps.ledger,
      redactor: instance.redactor,
      clock: deps.clock,
    });
    // Recorded with the hold it placed or took off, in the same script.
    if (acted.recorded) return acted.result;
    result = instance.redactor.value(acted.result);
  } catch (err) {
    throw redactError(err, instance.redactor);
  }
  return deps.ledger.record(ctx.effectKey, ctx.runId, result ?? null, ctx.now);
}

/**
 * Every field of ActionContext: a new one fails to compile here until it is listed, a reminder
 * to pass it on in `operationContext` (a required one fails there too; an optional one would
 * not).
 */
const PASSED_ON: Record<keyof ActionContext, true> = {
  connector: true,
  effectKey: true,
  runId: true,
  incidentId: true,
  now: true,
  signal: true,
  timeoutMs: true,
  lastAttempt: true,
  undoOf: true,
};
void PASSED_ON;

/**
 * `ctx` as an operation sees it. Field by field, not a spread: a spread reads `signal`, which
 * the action worker makes only when read (only the HTTP connectors use it; an AbortController
 * costs ~3 µs and collector work per step).
 */
function operationContext(
  ctx: ActionContext,
  connector: string,
  memo: EffectMemo,
  undoOf: UndoOf | undefined = ctx.undoOf,
): OperationContext {
  return {
    connector,
    effectKey: ctx.effectKey,
    runId: ctx.runId,
    incidentId: ctx.incidentId,
    now: ctx.now,
    get signal() {
      return ctx.signal;
    },
    ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }),
    ...(ctx.lastAttempt === undefined ? {} : { lastAttempt: ctx.lastAttempt }),
    memo,
    ...(undoOf ? { undoOf } : {}),
  };
}

function findInstance(
  type: ConnectorType,
  operation: string,
  ctx: ActionContext,
  started: ReadonlyMap<string, Started>,
  deps: ConnectorDeps,
): Started {
  const named = ctx.connector ? started.get(ctx.connector) : undefined;
  if (named && named.type.type === type.type) return named;
  // The built-in types need no instance to run (their stores are the process's own).
  if (!type.http && (!ctx.connector || !named)) {
    const instance = { ...BUILTIN_INSTANCE, name: type.type, type: type.type };
    return { type, client: type.create(instance, deps), redactor: new Redactor() };
  }
  throw new CordonError(
    'CORDON_ERR_ACTION_CONNECTOR',
    `Connector "${ctx.connector ?? '(none)'}" for ${operation} is not an enabled ${type.type} connector in this process. Check connectors/ (enabled: true) and restart.`,
  );
}

function memoFor(ctx: ActionContext, ledger: EffectLedger): EffectMemo {
  return {
    remember: async <T>(name: string, compute: () => Promise<T>): Promise<T> => {
      const prior = await ledger.recall(ctx.effectKey, name);
      if (prior !== undefined) return prior as T;
      return (await ledger.remember(ctx.effectKey, ctx.runId, name, await compute(), ctx.now)) as T;
    },
    recall: async <T>(name: string) => (await ledger.recall(ctx.effectKey, name)) as T | undefined,
    recallFrom: async <T>(effectKey: string, name: string) =>
      (await ledger.recall(effectKey, name)) as T | undefined,
  };
}

/** The same error with every secret of the instance removed from its message and details. */
function redactError(err: unknown, redactor: Redactor): unknown {
  if (!(err instanceof Error)) return new Error(redactor.text(String(err)));
  const message = redactor.text(err.message);
  if (isCordonError(err)) {
    const details = err.details;
    return new CordonError(
      err.code,
      message,
      details ? { details: redactor.value(details) as Record<string, unknown> } : {},
    );
  }
  // Not ours (a bug, a library error): keep only the redacted message, never the cause chain.
  const out = new Error(message);
  out.name = err.name;
  return out;
}

/** Every secret reference of the enabled instances: url, auth and type options. */
export function instanceSecrets(inst: ActionInstance): SecretRef[] {
  const refs: SecretRef[] = [];
  if (inst.url && typeof inst.url !== 'string') refs.push(inst.url);
  const a = inst.auth;
  if (a.scheme === 'bearer') refs.push(a.token);
  if (a.scheme === 'basic')
    refs.push(...(typeof a.username === 'string' ? [] : [a.username]), a.password);
  if (a.scheme === 'header') refs.push(a.value);
  if (a.scheme === 'hmac') refs.push(a.secret);
  if (a.scheme === 'sigv4')
    refs.push(a.accessKeyId, a.secretAccessKey, ...(a.sessionToken ? [a.sessionToken] : []));
  refs.push(...(connectorType(inst.type)?.options?.secrets?.(inst.options) ?? []));
  return refs;
}

/**
 * Every secret of the enabled instances resolves; otherwise one error listing each missing
 * variable or file by name (never a value). Disabled instances need nothing.
 */
export function checkConnectorSecrets(
  instances: readonly ActionInstance[],
  deps: Pick<ConnectorDeps, 'secrets'>,
): void {
  const problems: string[] = [];
  for (const inst of instances.filter((i) => i.enabled))
    for (const ref of instanceSecrets(inst)) {
      try {
        resolveSecret(ref, deps.secrets, inst.name);
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
  if (problems.length > 0)
    throw new CordonError('CORDON_ERR_CONNECTOR_SECRET', problems.join('\n'));
}
