import type { FastifyPluginAsync } from 'fastify';
import { AUDIT_ACTIONS } from '../../audit/audit-entry.js';
import { queryAudit, type AuditQuery } from '../../audit/audit-query.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, openObject } from '../schemas.js';

const headSchema = {
  type: 'object',
  required: ['seq', 'hash'],
  properties: { seq: { type: 'integer' }, hash: { type: 'string' } },
} as const;

const entrySchema = {
  type: 'object',
  required: ['seq', 'time', 'actor', 'action', 'targets', 'outcome', 'detail', 'prev', 'hash'],
  properties: {
    seq: { type: 'integer' },
    time: { type: 'integer' },
    actor: {
      type: 'object',
      properties: { id: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } },
    },
    action: { type: 'string' },
    targets: { type: 'object', additionalProperties: { type: 'string' } },
    outcome: { type: 'string' },
    detail: openObject,
    prev: { type: 'string', description: 'hash of the entry before (64 zeros for seq 1)' },
    hash: { type: 'string', description: 'sha256 of prev and the canonical JSON of the entry' },
  },
} as const;

const actionFilters = [
  ...AUDIT_ACTIONS,
  ...new Set(AUDIT_ACTIONS.map((a) => `${a.slice(0, a.indexOf('.'))}.*`)),
];

export const auditRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get<{ Querystring: AuditQuery }>(
    '/v1/audit',
    {
      config: { roles: ['auditor'] },
      schema: {
        operationId: 'listAuditEntries',
        summary:
          'The audit trail in seq order, filtered; check its integrity with cordon audit verify',
        description:
          'Filters scan forward from `after`; at most 10,000 entries are examined per request, so a page can be short with a `next` cursor.',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            after: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            action: { type: 'string', enum: actionFilters },
            actor: { type: 'string', minLength: 1, maxLength: 200 },
            since: { type: 'integer', minimum: 0, description: 'epoch ms, inclusive' },
            until: { type: 'integer', minimum: 0, description: 'epoch ms, exclusive' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description:
              'A page of audit entries, the cursor for the next page and the chain head.',
            type: 'object',
            required: ['entries', 'next', 'head'],
            properties: {
              entries: { type: 'array', items: entrySchema },
              next: {
                anyOf: [{ type: 'integer' }, { type: 'null' }],
                description: 'pass as `after` for the next page; null at the end',
              },
              head: { anyOf: [headSchema, { type: 'null' }] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => queryAudit(deps.audit.reader, request.query),
  );
};
