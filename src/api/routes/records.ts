import type { FastifyPluginAsync } from 'fastify';
import { compileEventQuery } from '../../ingest/event-filter.js';
import { CordonError } from '../../shared/errors.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import {
  errorResponses,
  idParamsFor,
  limitQuery,
  named,
  openObject,
  streamIdParams,
} from '../schemas.js';

const caseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    summary: { type: 'string' },
    description: { type: 'string' },
    severity: { type: 'string' },
    dedupe: { type: 'string' },
    openedBy: { type: 'string' },
    incidentId: { type: 'string' },
    createdAt: { type: 'integer' },
  },
} as const;

const deadLetterSummary = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    source: { type: 'string' },
    reason: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, reason: { type: 'string' } },
      },
    },
    contentType: { type: 'string' },
    principal: { type: 'string' },
    received: { type: 'integer' },
    size: { type: 'integer' },
    truncated: { type: 'boolean' },
    withheld: {
      type: 'string',
      description:
        'Why the body was not kept: its source says keep.text: drop (a refused body may hold prompts).',
    },
    sha256: { type: 'string', description: 'SHA-256 of a withheld body as received (hex).' },
    redacted: {
      type: 'boolean',
      description:
        'Secrets, emails and card numbers were replaced in the body (keep.text: redact).',
    },
  },
} as const;

/** Read-only records: the built-in case store, accepted events, dead letters. */
export const recordRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'Case', ...caseSchema });
  app.addSchema({ $id: 'DeadLetter', ...deadLetterSummary });
  app.addSchema({
    $id: 'DeadLetterDetail',
    ...deadLetterSummary,
    properties: {
      ...deadLetterSummary.properties,
      encoding: { type: 'string', enum: ['utf8', 'base64'] },
      body: { type: 'string' },
    },
  });
  app.get<{ Querystring: { limit: number } }>(
    '/v1/cases',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listCases',
        summary: 'Cases in the built-in case store, newest first',
        tags: ['cases'],
        querystring: {
          type: 'object',
          properties: { limit: limitQuery },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'A page of cases.',
            type: 'object',
            properties: { cases: { type: 'array', items: { $ref: 'Case#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({ cases: await deps.cases.list(request.query.limit) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getCase',
        summary: 'One case',
        tags: ['cases'],
        params: idParamsFor('case'),
        response: { 200: named('Case', 'The case.'), ...errorResponses },
      },
    },
    async (request) => {
      const found = await deps.cases.get(request.params.id);
      if (!found)
        throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No case ${request.params.id}.`);
      return found;
    },
  );

  app.get<{ Querystring: EventListQuery }>(
    '/v1/events',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listEvents',
        summary: 'Accepted events, newest first, filtered',
        description:
          'What senders delivered, found again: filter by source, kind, name, outcome, severity, any entity/labels/measures field (`entity.api_key=…`) and an event-time range; page with `before` = the `next` of the previous page. One request reads at most `scan` log entries; when `next` is present there may be more.',
        tags: ['events'],
        querystring: {
          type: 'object',
          properties: {
            source: { type: 'string', maxLength: 64 },
            kind: { type: 'string', maxLength: 32 },
            name: { type: 'string', maxLength: 256 },
            outcome: { type: 'string', maxLength: 32 },
            severity: { type: 'string', maxLength: 32 },
            from: {
              type: 'string',
              description: 'Event time from (RFC 3339 or epoch ms), inclusive.',
            },
            to: { type: 'string', description: 'Event time to (RFC 3339 or epoch ms), exclusive.' },
            // One entry id, or one per event-log partition joined by "," (the `next` given).
            before: {
              type: 'string',
              pattern: '^\\d{1,16}-\\d{1,16}(,\\d{1,16}-\\d{1,16}){0,255}$',
            },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            scan: { type: 'integer', minimum: 100, maximum: 100_000, default: 20_000 },
          },
          patternProperties: {
            '^(entity|labels|measures|text)\\.[A-Za-z0-9_.:-]{1,128}$': {
              type: 'string',
              maxLength: 512,
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'A page of events (each with its log position), and where to go on.',
            type: 'object',
            properties: {
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { seq: { type: 'string' }, event: openObject },
                },
              },
              next: { type: 'string' },
              scanned: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { source, kind, name, outcome, severity, from, to, before, limit, scan, ...rest } =
        request.query;
      const fields: Record<string, string> = {};
      for (const [key, value] of Object.entries(rest))
        if (typeof value === 'string') fields[key] = value;
      const match = compileEventQuery({
        ...(source === undefined ? {} : { source }),
        ...(kind === undefined ? {} : { kind }),
        ...(name === undefined ? {} : { name }),
        ...(outcome === undefined ? {} : { outcome }),
        ...(severity === undefined ? {} : { severity }),
        fields,
        ...timeBound('from', from, 'fromMs'),
        ...timeBound('to', to, 'toMs'),
      });
      return deps.eventLog.scanBackward(before, match, limit, scan);
    },
  );

  app.get<{ Params: { source: string; id: string } }>(
    '/v1/events/:source/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getEvent',
        summary:
          'An accepted event by source and id (while its id is remembered for deduplication)',
        tags: ['events'],
        params: {
          type: 'object',
          required: ['source', 'id'],
          properties: { source: { type: 'string' }, id: { type: 'string', maxLength: 256 } },
        },
        response: {
          200: {
            description: 'The canonical event as stored, with its position in the log.',
            type: 'object',
            properties: { seq: { type: 'string' }, event: openObject },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const found = await deps.eventLog.get(request.params.source, request.params.id);
      if (!found)
        throw new CordonError(
          'CORDON_ERR_API_NOT_FOUND',
          `No event ${request.params.id} from source ${request.params.source}.`,
        );
      return found;
    },
  );

  app.get<{ Querystring: { source?: string; limit: number; before?: string } }>(
    '/v1/deadletters',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listDeadLetters',
        summary: 'Rejected payloads, newest first, with why they were rejected',
        tags: ['ingest'],
        querystring: {
          type: 'object',
          properties: {
            source: { type: 'string' },
            limit: limitQuery,
            before: { type: 'string', pattern: '^\\d{1,16}-\\d{1,16}$' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'A page of dead letters (without bodies) and totals per source.',
            type: 'object',
            properties: {
              deadLetters: { type: 'array', items: { $ref: 'DeadLetter#' } },
              totals: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const [deadLetters, totals] = await Promise.all([
        deps.deadLetters.list(request.query),
        deps.deadLetters.totals(),
      ]);
      return { deadLetters, totals };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/deadletters/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getDeadLetter',
        summary: 'One rejected payload with its body as received',
        tags: ['ingest'],
        params: streamIdParams,
        response: {
          200: named('DeadLetterDetail', 'The dead letter with its body (utf8 or base64).'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const found = await deps.deadLetters.get(request.params.id);
      if (!found)
        throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No dead letter ${request.params.id}.`);
      return found;
    },
  );
};

interface EventListQuery {
  source?: string;
  kind?: string;
  name?: string;
  outcome?: string;
  severity?: string;
  from?: string;
  to?: string;
  before?: string;
  limit: number;
  scan: number;
  [field: string]: string | number | undefined;
}

/** `from`/`to` as RFC 3339 or epoch ms; a bad one is a 400 naming the parameter. */
function timeBound<K extends string>(
  param: string,
  value: string | undefined,
  key: K,
): Partial<Record<K, number>> {
  if (value === undefined) return {};
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new CordonError(
      'CORDON_ERR_API_INVALID_REQUEST',
      `querystring/${param} must be an RFC 3339 time (2024-06-10T16:00:00Z) or epoch milliseconds; got ${JSON.stringify(value.slice(0, 64))}.`,
    );
  return { [key]: ms } as Partial<Record<K, number>>;
}
