import type { FastifyPluginAsync } from 'fastify';
import {
  compilePlaybook,
  type CompiledPlaybook,
} from '../../playbook/definition/compile-playbook.js';
import type { PlaybookDefinition } from '../../playbook/definition/types.js';
import { playbookGraph } from '../../playbook/tooling/graph.js';
import { CordonError } from '../../shared/errors.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, named, openObject } from '../schemas.js';

const versionSchema = {
  type: 'object',
  required: ['hash', 'current', 'runs', 'active'],
  properties: {
    hash: { type: 'string', description: 'sha256 of the definition: what runs are pinned to.' },
    current: { type: 'boolean', description: 'The version loaded from playbooks/ now.' },
    runs: { type: 'integer', description: 'Runs pinned to this version.' },
    active: { type: 'integer', description: 'Of those, runs not ended.' },
  },
} as const;

const playbookSchema = {
  type: 'object',
  required: ['id', 'title', 'hash', 'versions'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    trigger: openObject,
    hash: { type: 'string', description: 'The current version.' },
    versions: { type: 'array', items: { $ref: 'PlaybookVersion#' } },
  },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' } },
} as const;

const HASH = '^[0-9a-f]{64}$';

/**
 * The playbooks this process loaded, with every version runs are pinned to (a new version
 * never changes a run in flight) and how many runs each has; a playbook's diagram.
 */
export const playbookRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'PlaybookVersion', ...versionSchema });
  app.addSchema({ $id: 'Playbook', ...playbookSchema });
  app.addSchema({
    $id: 'PlaybookDetail',
    ...playbookSchema,
    properties: { ...playbookSchema.properties, definition: openObject },
  });
  const current = (): readonly CompiledPlaybook[] => deps.playbooks ?? [];

  const summaries = async (): Promise<Record<string, unknown>[]> => {
    const counts = await deps.runs.countByVersion();
    const ids = new Set([
      ...current().map((p) => p.definition.id),
      ...[...counts.values()].map((c) => c.playbookId),
    ]);
    return [...ids].sort().map((id) => {
      const now = current().find((p) => p.definition.id === id);
      const versions = [...counts]
        .filter(([, c]) => c.playbookId === id)
        .map(([hash, c]) => ({
          hash,
          current: hash === now?.hash,
          runs: c.runs,
          active: c.active,
        }));
      if (now && !versions.some((v) => v.current))
        versions.push({ hash: now.hash, current: true, runs: 0, active: 0 });
      versions.sort((a, b) => Number(b.current) - Number(a.current) || b.runs - a.runs);
      return {
        id,
        title: now?.definition.title ?? id,
        description: now?.definition.description ?? '',
        ...(now ? { trigger: now.definition.trigger } : {}),
        // A playbook no longer in playbooks/ still lists the versions its runs are pinned to.
        hash: now?.hash ?? versions[0]?.hash ?? '',
        versions,
      };
    });
  };

  app.get(
    '/v1/playbooks',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listPlaybooks',
        summary: 'Playbooks with their versions and the runs pinned to each',
        tags: ['playbooks'],
        response: {
          200: {
            description: 'Every loaded playbook, and any older one runs are still pinned to.',
            type: 'object',
            properties: { playbooks: { type: 'array', items: { $ref: 'Playbook#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ playbooks: await summaries() }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/playbooks/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getPlaybook',
        summary: 'One playbook: its current definition and its versions',
        tags: ['playbooks'],
        params: idParams,
        response: { 200: named('PlaybookDetail', 'The playbook.'), ...errorResponses },
      },
    },
    async (request) => {
      const found = (await summaries()).find((p) => p.id === request.params.id);
      if (!found) throw notFound(request.params.id);
      const now = current().find((p) => p.definition.id === request.params.id);
      return { ...found, ...(now ? { definition: now.definition } : {}) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { version?: string; format?: 'json' | 'text' } }>(
    '/v1/playbooks/:id/graph',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getPlaybookGraph',
        summary: 'A playbook as a Mermaid state diagram (approvals and automatic mutations marked)',
        tags: ['playbooks'],
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            version: {
              type: 'string',
              pattern: HASH,
              description: 'A pinned version (default: current).',
            },
            format: {
              type: 'string',
              enum: ['json', 'text'],
              description: 'text: the diagram alone.',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'The diagram: JSON with a mermaid field, or text/plain with format=text.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['playbook', 'hash', 'mermaid'],
                  properties: {
                    playbook: { type: 'string' },
                    hash: { type: 'string' },
                    mermaid: { type: 'string' },
                  },
                },
              },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const compiled = await versionOf(id, request.query.version);
      const mermaid = playbookGraph(compiled.definition);
      const text =
        request.query.format === 'text' ||
        (request.query.format === undefined &&
          /text\/plain/.test(request.headers.accept ?? '') &&
          !/application\/json/.test(request.headers.accept ?? ''));
      if (text) return reply.type('text/plain; charset=utf-8').send(mermaid);
      return reply
        .type('application/json; charset=utf-8')
        .send({ playbook: id, hash: compiled.hash, mermaid });
    },
  );

  /** The current version, or a pinned one from Redis (it must be this playbook's). */
  async function versionOf(id: string, version: string | undefined): Promise<CompiledPlaybook> {
    const now = current().find((p) => p.definition.id === id);
    if (version === undefined || version === now?.hash) {
      if (!now) throw notFound(id);
      return now;
    }
    const json = await deps.runs.loadPlaybook(version);
    const def = json ? (JSON.parse(json) as PlaybookDefinition) : undefined;
    if (!def || def.id !== id)
      throw new CordonError(
        'CORDON_ERR_API_NOT_FOUND',
        `Playbook ${id} has no version ${version} stored; GET /v1/playbooks/${id} lists its versions.`,
      );
    return compilePlaybook(def);
  }
};

function notFound(id: string): CordonError {
  return new CordonError(
    'CORDON_ERR_API_NOT_FOUND',
    `No playbook ${id}; GET /v1/playbooks lists them.`,
  );
}
