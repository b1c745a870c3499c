import type { FastifyPluginAsync } from 'fastify';
import type { Match } from '../../correlate/match.js';
import { CordonError } from '../../shared/errors.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, idParamsFor, openObject } from '../schemas.js';

/**
 * GET /v1/incidents/{id}/events: the evidence behind an incident, for people and charts: the
 * contributing events of its matches (newest match first, resolved through the event log,
 * bounded by `limit`), the refs the log no longer holds, and per match its window, figures and
 * event times against the rule's condition.
 */
export const incidentEventRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    '/v1/incidents/:id/events',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getIncidentEvents',
        summary: "An incident's contributing events and, per match, its window and threshold",
        tags: ['incidents'],
        params: idParamsFor('inc'),
        querystring: {
          type: 'object',
          properties: {
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: 1000,
              default: 200,
              description:
                "Events returned at most (matches newest first, each one's refs in order).",
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'The evidence.',
            type: 'object',
            properties: {
              incidentId: { type: 'string' },
              rule: {
                description:
                  'The rule as loaded now: type, window length and condition (threshold bounds, or a boolean over its inputs); null when no loaded rule has this id.',
                anyOf: [{ type: 'null' }, openObject],
              },
              matches: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    matchId: { type: 'string' },
                    windowStart: { type: 'integer' },
                    windowEnd: { type: 'integer' },
                    firstTime: { type: 'integer' },
                    lastTime: { type: 'integer' },
                    firedAt: { type: 'integer' },
                    count: { type: 'integer', description: 'Contributing events in all.' },
                    refs: {
                      type: 'array',
                      items: { type: 'string' },
                      description:
                        'Contributing events "<source>/<id>" (capped; count is the total).',
                    },
                    eventTimes: {
                      type: 'array',
                      items: { type: 'integer' },
                      description: 'Event times of the refs the log still holds, oldest first.',
                    },
                    aggregate: openObject,
                    partial: { type: 'boolean' },
                    approximate: { type: 'boolean' },
                    late: { type: 'boolean' },
                  },
                },
              },
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ref: { type: 'string' },
                    seq: { type: 'string' },
                    event: openObject,
                  },
                },
              },
              missing: {
                type: 'array',
                items: { type: 'string' },
                description: 'Refs the event log no longer holds (retention).',
              },
              truncated: {
                type: 'boolean',
                description: 'More refs than `limit`: the rest were not looked up.',
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const incident = await deps.incidents.get(request.params.id);
      if (!incident)
        throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No incident ${request.params.id}.`);
      const limit = request.query.limit;
      const refs: string[] = [];
      const seen = new Set<string>();
      for (const m of incident.matches)
        for (const ref of m.refs)
          if (!seen.has(ref) && refs.length < limit) {
            seen.add(ref);
            refs.push(ref);
          }
      const total = new Set(incident.matches.flatMap((m) => m.refs)).size;
      const found = await deps.eventLog.getMany(refs);
      const byRef = new Map<string, { seq: string; event: { time: number } }>();
      const missing: string[] = [];
      refs.forEach((ref, i) => {
        const logged = found[i];
        if (logged) byRef.set(ref, logged);
        else missing.push(ref);
      });
      const rule = deps.rules.catalog.get(incident.rule);
      return {
        incidentId: incident.id,
        rule: rule
          ? {
              id: rule.id,
              type: rule.type,
              ...(rule.timespanMs === undefined ? {} : { timespanMs: rule.timespanMs }),
              ...(rule.condition === undefined ? {} : { condition: rule.condition }),
            }
          : null,
        matches: incident.matches.map((m: Match) => ({
          matchId: m.matchId,
          windowStart: m.windowStart,
          windowEnd: m.windowEnd,
          firstTime: m.firstTime,
          lastTime: m.lastTime,
          firedAt: m.firedAt,
          count: m.count,
          refs: m.refs,
          eventTimes: m.refs
            .map((r) => byRef.get(r)?.event.time)
            .filter((t): t is number => t !== undefined)
            .sort((a, b) => a - b),
          aggregate: m.aggregate,
          partial: m.partial,
          approximate: m.approximate,
          late: m.late,
        })),
        events: refs.flatMap((ref) => {
          const logged = byRef.get(ref);
          return logged ? [{ ref, seq: logged.seq, event: logged.event }] : [];
        }),
        missing,
        truncated: total > refs.length,
      };
    },
  );
};
