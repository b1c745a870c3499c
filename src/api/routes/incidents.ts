import type { FastifyPluginAsync } from 'fastify';
import { CordonError } from '../../shared/errors.js';
import { principalOf } from '../auth.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, idParamsFor, limitQuery, named, openObject } from '../schemas.js';

export const incidentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'string', enum: ['open', 'resolved'] },
    rule: { type: 'string' },
    ruleTitle: { type: 'string' },
    ruleType: { type: 'string' },
    severity: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    group: { type: 'object', additionalProperties: { type: 'string' } },
    groupKey: { type: 'string' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    firstSeen: { type: 'integer' },
    lastSeen: { type: 'integer' },
    matchCount: { type: 'integer' },
    eventCount: { type: 'integer' },
    resolvedAt: { type: 'integer' },
    resolvedBy: { type: 'string' },
    resolveComment: { type: 'string' },
    containment: {
      type: 'string',
      description:
        'Why no playbook was started for this incident (its events were older than CORDON_CONTAIN_MAX_EVENT_AGE_MS: a replay or backfill).',
    },
    acceptedAt: {
      type: 'integer',
      description: 'When Cordon accepted the event that opened the incident (epoch ms).',
    },
    retractionCount: {
      type: 'integer',
      description:
        'Matches of this incident withdrawn by events that arrived after them (a late until event inside a sequence, an expected event inside a reported absence).',
    },
    retracted: {
      type: 'boolean',
      description: 'Every match behind this incident was withdrawn.',
    },
    aggregate: {
      type: 'object',
      additionalProperties: true,
      description:
        "Type-specific figures of the match that opened the incident (an anomaly's score, driver and per-feature explanation; a spike's value and baseline).",
    },
  },
} as const;

export const incidentRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'Incident', ...incidentSchema });
  app.addSchema({
    $id: 'IncidentDetail',
    ...incidentSchema,
    properties: {
      ...incidentSchema.properties,
      matches: { type: 'array', items: openObject },
      runs: { type: 'array', items: { type: 'string' } },
      retractions: {
        type: 'array',
        description:
          'Withdrawn matches, oldest first: the match id, the event that withdrew it, why.',
        items: openObject,
      },
    },
  });
  app.get<{ Querystring: { status?: 'open' | 'resolved'; limit: number; before?: number } }>(
    '/v1/incidents',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listIncidents',
        summary: 'List incidents, newest first',
        tags: ['incidents'],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['open', 'resolved'] },
            limit: limitQuery,
            before: {
              type: 'integer',
              minimum: 0,
              description: 'createdAt cursor (epoch ms, exclusive)',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'A page of incidents.',
            type: 'object',
            properties: { incidents: { type: 'array', items: { $ref: 'Incident#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({ incidents: await deps.incidents.list(request.query) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/incidents/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getIncident',
        summary: 'One incident with its matches (newest first) and playbook runs',
        tags: ['incidents'],
        params: idParamsFor('inc'),
        response: {
          200: named('IncidentDetail', 'The incident, its latest matches and its runs.'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const incident = await deps.incidents.get(request.params.id);
      if (!incident)
        throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No incident ${request.params.id}.`);
      return incident;
    },
  );

  app.post<{ Params: { id: string }; Body: { comment: string } }>(
    '/v1/incidents/:id/resolve',
    {
      config: { roles: ['responder'] },
      schema: {
        operationId: 'resolveIncident',
        summary: 'Resolve an incident; the next match of its rule and group opens a new one',
        tags: ['incidents'],
        params: idParamsFor('inc'),
        body: {
          type: 'object',
          required: ['comment'],
          properties: { comment: { type: 'string', minLength: 1, maxLength: 4000 } },
          additionalProperties: false,
        },
        response: { 200: named('Incident', 'The incident, now resolved.'), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const outcome = await deps.incidents.resolve(
        request.params.id,
        principal.id,
        request.body.comment,
        deps.clock.now(),
      );
      if (outcome === 'not-found')
        throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No incident ${request.params.id}.`);
      if (outcome === 'already-resolved')
        throw new CordonError(
          'CORDON_ERR_API_CONFLICT',
          `Incident ${request.params.id} is already resolved.`,
        );
      return deps.incidents.get(request.params.id);
    },
  );
};
