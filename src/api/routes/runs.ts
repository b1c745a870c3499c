import type { FastifyPluginAsync } from 'fastify';
import { CordonError } from '../../shared/errors.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, idParamsFor, limitQuery, named, openObject } from '../schemas.js';

const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    playbookId: { type: 'string' },
    playbookHash: { type: 'string' },
    incidentId: { type: 'string' },
    initiator: { type: 'string' },
    status: { type: 'string', enum: ['running', 'waiting', 'resolved', 'failed', 'cancelled'] },
    state: { type: 'string' },
    step: { type: 'integer' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    endedAt: { type: 'integer' },
    context: openObject,
  },
} as const;

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
      const { pendingEffects: _pending, version: _version, ...visible } = run;
      return { ...visible, timeline, approvals };
    },
  );
};
