import type { FastifyPluginAsync } from 'fastify';
import { runControlled } from '../../audit/audit-inputs.js';
import type { RunRecord } from '../../playbook/runtime/run-record.js';
import type { Runner } from '../../playbook/runtime/runner.js';
import { CordonError } from '../../shared/errors.js';
import { principalOf } from '../auth.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, idParamsFor, limitQuery, named, openObject } from '../schemas.js';
import { registerRunStart } from './run-start.js';

export const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    playbookId: { type: 'string' },
    playbookHash: { type: 'string' },
    incidentId: { type: 'string' },
    initiator: { type: 'string' },
    status: {
      type: 'string',
      enum: ['running', 'waiting', 'undoing', 'resolved', 'failed', 'cancelled'],
    },
    state: { type: 'string' },
    step: { type: 'integer' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    endedAt: { type: 'integer' },
    context: openObject,
    /** Effects with a declared undo and their status; the undo pass in progress. */
    undo: openObject,
    failedAt: openObject,
    /** Each position the run rests at (one per parallel branch still going) → its step. */
    leaves: openObject,
    /** Set on a sub-run started by a call state: the parent run id, its state and step. */
    parent: openObject,
  },
} as const;

/** Who may cancel or retry runs (admin always may): the incident responders. */
const CONTROL_ROLES = ['responder'] as const;

export const runRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'Run', ...runSchema });
  app.addSchema({
    $id: 'RunDetail',
    ...runSchema,
    properties: {
      ...runSchema.properties,
      timeline: { type: 'array', items: openObject },
      approvals: { type: 'array', items: openObject },
    },
  });
  registerRunStart(app, deps);
  app.get<{ Querystring: { incident?: string; limit: number } }>(
    '/v1/runs',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listRuns',
        summary: 'List playbook runs, newest first',
        tags: ['runs'],
        querystring: {
          type: 'object',
          properties: { incident: { type: 'string' }, limit: limitQuery },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'A page of runs.',
            type: 'object',
            properties: { runs: { type: 'array', items: { $ref: 'Run#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      runs: await deps.runs.list({
        limit: request.query.limit,
        ...(request.query.incident ? { incidentId: request.query.incident } : {}),
      }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/runs/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getRun',
        summary: 'One run with its timeline (transitions, queued actions, job results, approvals)',
        tags: ['runs'],
        params: idParamsFor('run'),
        response: {
          200: named('RunDetail', 'The run, its timeline and its approvals.'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const run = await deps.runs.get(request.params.id);
      if (!run) throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No run ${request.params.id}.`);
      const [timeline, approvals] = await Promise.all([
        deps.runs.timeline(run.id),
        deps.approvals.list({ limit: 100, runId: run.id }),
      ]);
      const { pendingEffects: _pending, version: _version, held: _held, ...visible } = run;
      return { ...visible, timeline, approvals };
    },
  );

  for (const [path, control] of Object.entries(CONTROLS)) {
    app.post<{ Params: { id: string }; Body: { comment?: string } }>(
      `/v1/runs/:id/${path}`,
      {
        config: { roles: CONTROL_ROLES },
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          operationId: control.operationId,
          summary: control.summary,
          description: control.description,
          tags: ['runs'],
          params: idParamsFor('run'),
          body: {
            type: 'object',
            properties: { comment: { type: 'string', minLength: 1, maxLength: 4000 } },
            additionalProperties: false,
          },
          response: {
            200: named('Run', control.answer),
            ...errorResponses,
            409: named('Error', control.conflict),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const id = request.params.id;
        const outcome = await control.run(
          deps.runner,
          id,
          principal.id,
          request.body?.comment ?? '',
        );
        if (!outcome.ok) {
          if (outcome.reason === 'missing')
            throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No run ${id}.`);
          throw new CordonError('CORDON_ERR_RUN_STATE', control.refused(id, outcome.reason), {
            details: { status: outcome.reason },
          });
        }
        await deps.audit.trail.record(
          runControlled(
            principal,
            outcome.run,
            control.audit,
            request.body?.comment ?? '',
            'effects' in outcome ? outcome.effects : undefined,
          ),
        );
        request.log.info(
          {
            runId: id,
            by: principal.id,
            ...('effects' in outcome ? { effects: outcome.effects } : {}),
          },
          `run ${path}`,
        );
        return visibleRun(outcome.run);
      },
    );
  }
};

type ControlOutcome =
  | { readonly ok: true; readonly run: RunRecord; readonly effects?: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** POST /v1/runs/:id/<path>: what a responder may do to a run, each its own refusal. */
const CONTROLS: Readonly<
  Record<
    string,
    {
      readonly operationId: string;
      readonly summary: string;
      readonly description: string;
      readonly answer: string;
      readonly conflict: string;
      readonly audit: 'run.cancelled' | 'run.retried' | 'run.undo-retried';
      run(runner: Runner, id: string, by: string, comment: string): Promise<ControlOutcome>;
      refused(id: string, reason: string): string;
    }
  >
> = {
  cancel: {
    operationId: 'cancelRun',
    summary: 'Cancel a run: withdraw its pending step and undo its effects, newest first',
    description:
      'A pending approval of the run is cancelled and can no longer be approved. With effects to undo the run is `undoing` until they are taken back, then `cancelled`.',
    answer: 'The run after the request (cancelled or undoing).',
    conflict: 'The run has ended, or is undoing after a cancel or failure.',
    audit: 'run.cancelled',
    run: (runner, id, by, comment) => runner.cancel(id, by, comment),
    refused: (id, reason) =>
      `Run ${id} is ${reason}; only a running or waiting run, or one undoing a rejection, can be cancelled.`,
  },
  retry: {
    operationId: 'retryRun',
    summary: 'Retry a failed run from the action step that failed (same playbook version)',
    description:
      "Only a run that failed at an action step can be retried; it keeps its pinned playbook hash. A run that failed at a parallel state's join restarts each branch that failed at an action, at that action; branches that resolved are kept.",
    answer: 'The run after the request (running again).',
    conflict: 'The run has not failed, or failed at a step that cannot be retried.',
    audit: 'run.retried',
    run: (runner, id, by, comment) => runner.retry(id, by, comment),
    refused: (id, reason) =>
      reason === 'not-retryable'
        ? `Run ${id} failed at a step that cannot be retried (it ended through a failed end state, or a parallel branch ended other than at a failed action); start a new run instead.`
        : `Run ${id} is ${reason}; only a failed run can be retried.`,
  },
  'retry-undo': {
    operationId: 'retryRunUndos',
    summary: 'Try again the undos of a run that failed after their retries',
    description:
      "Containment whose undo failed (the gateway down while it ran, say) stays in force: each such effect's undo runs again as a new undo job, whatever the run's status (an ended run too), and its outcome reaches the run's undo book and timeline. The run's status does not change.",
    answer: 'The run, its failed undos queued again (their entries `undoing`).',
    conflict:
      "The run is undoing, has no failed undo, or a failed undo's job is still queued or running.",
    audit: 'run.undo-retried',
    run: (runner, id, by, comment) => runner.retryUndos(id, by, comment),
    refused: (id, reason) =>
      reason === 'nothing-to-retry'
        ? `Run ${id} has no undo that failed; nothing to try again.`
        : reason === 'undo-running'
          ? `Run ${id} has an undo whose job is still queued or running (a failed attempt about to be tried again, or a stalled job); wait for it to end, then try again.`
          : `Run ${id} is ${reason}; wait until its undos are over, then try again the ones that failed.`,
  },
};

/** A run as the API shows it (no outbox, version or holder). */
function visibleRun(run: RunRecord): Omit<RunRecord, 'pendingEffects' | 'version' | 'held'> {
  const { pendingEffects: _pending, version: _version, held: _held, ...visible } = run;
  return visible;
}
