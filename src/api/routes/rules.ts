import type { FastifyPluginAsync } from 'fastify';
import type { RuleEntry } from '../../correlate/rule-catalog.js';
import { CordonError } from '../../shared/errors.js';
import { HIT_BUCKET_MS, HIT_BUCKETS } from '../../store/rule-hits.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, named } from '../schemas.js';

const ruleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The key incidents carry (name, else id, else a slug).' },
    title: { type: 'string' },
    level: { type: 'string' },
    type: { type: 'string', description: 'The correlation type, or `detection`.' },
    tags: { type: 'array', items: { type: 'string' } },
    file: { type: 'string' },
    line: { type: 'integer' },
    alerts: { type: 'boolean', description: 'Its matches open incidents.' },
    hits: { type: 'integer', description: 'Matches recorded (persisted in Redis).' },
    incidents: { type: 'integer', description: 'Incidents its matches opened.' },
    sparkline: {
      type: 'array',
      items: { type: 'integer' },
      description: `Matches per ${HIT_BUCKET_MS / 60_000} min over the last 24 h, oldest first (${HIT_BUCKETS} buckets).`,
    },
    sparklineBucketMs: { type: 'integer' },
    sparklineEndsAt: {
      type: 'integer',
      description: 'End of the last bucket (epoch ms, exclusive).',
    },
  },
} as const;

const ruleIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,200}$' } },
} as const;

/** GET /v1/rules and /v1/rules/{id}: the loaded rules with their hit counts. */
export const ruleRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const { catalog, hits } = deps.rules;
  app.addSchema({ $id: 'Rule', ...ruleSchema });
  app.addSchema({
    $id: 'RuleDetail',
    ...ruleSchema,
    properties: {
      ...ruleSchema.properties,
      yaml: { type: 'string', description: 'The rule as written in its file.' },
      tests: {
        type: 'array',
        items: { type: 'string' },
        description: 'Names of the rule tests that check it.',
      },
    },
  });

  const withCounts = async (rules: readonly RuleEntry[]) => {
    const now = deps.clock.now();
    const counts = await hits.read(
      rules.map((r) => r.id),
      now,
    );
    const endsAt = (Math.floor(now / HIT_BUCKET_MS) + 1) * HIT_BUCKET_MS;
    return rules.map((r) => ({
      ...r,
      hits: counts.get(r.id)?.hits ?? 0,
      incidents: counts.get(r.id)?.incidents ?? 0,
      sparkline: counts.get(r.id)?.sparkline ?? [],
      sparklineBucketMs: HIT_BUCKET_MS,
      sparklineEndsAt: endsAt,
    }));
  };

  app.get(
    '/v1/rules',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listRules',
        summary: 'The loaded rules with hit counts and a 24 h sparkline of matches',
        tags: ['rules'],
        response: {
          200: {
            description: 'Every loaded rule, by file and position.',
            type: 'object',
            properties: { rules: { type: 'array', items: { $ref: 'Rule#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ rules: await withCounts(catalog.entries) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/rules/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getRule',
        summary: 'One rule with its YAML and the names of its rule tests',
        tags: ['rules'],
        params: ruleIdParams,
        response: { 200: named('RuleDetail', 'The rule.'), ...errorResponses },
      },
    },
    async (request) => {
      const rule = catalog.get(request.params.id);
      if (!rule) throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No rule ${request.params.id}.`);
      const [detail] = await withCounts([rule]);
      return detail;
    },
  );
};
