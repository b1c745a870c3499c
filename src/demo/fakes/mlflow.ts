import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakeModel {
  versions: Map<string, Map<string, string>>;
  aliases: Map<string, string>;
}

/**
 * MLflow Model Registry REST 2.0: GET reads the query string, POST and DELETE read a JSON
 * body; errors are {error_code, message} with RESOURCE_DOES_NOT_EXIST → 404 and
 * INVALID_PARAMETER_VALUE → 400; empty lists are omitted from answers. Stages (the deprecated
 * API older servers have) are kept as a `$stage` pseudo-tag.
 */
export function mlflowFake(): { server: FakeServer; models: Map<string, FakeModel> } {
  const models = new Map<string, FakeModel>();
  const err = (status: number, code: string, message: string): FakeReply => ({
    status,
    body: { error_code: code, message },
  });
  const missingModel = (name: string): FakeReply =>
    err(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
  const server = new FakeServer((req): FakeReply => {
    const base = '/api/2.0/mlflow';
    const body = (req.json ?? {}) as Record<string, unknown>;
    const params = req.method === 'GET' ? Object.fromEntries(req.query) : body;
    if (req.method === 'DELETE' && req.headers['content-type'] !== 'application/json')
      return err(400, 'INVALID_PARAMETER_VALUE', 'DELETE needs a JSON body');
    const name = String(params.name);
    const model = models.get(name);
    const versionOf = (v: unknown): FakeReply | undefined =>
      model?.versions.has(String(v))
        ? undefined
        : err(
            404,
            'RESOURCE_DOES_NOT_EXIST',
            `Model Version (name=${name}, version=${String(v)}) not found`,
          );
    const describe = (v: string) => ({
      name,
      version: v,
      tags: [...(model?.versions.get(v) ?? new Map<string, string>())].map(([key, value]) => ({
        key,
        value,
      })),
    });
    switch (`${req.method} ${req.path.slice(base.length)}`) {
      case 'GET /registered-models/alias': {
        if (!model) return missingModel(name);
        const v = model.aliases.get(String(params.alias));
        return v
          ? { status: 200, body: { model_version: describe(v) } }
          : err(
              404,
              'RESOURCE_DOES_NOT_EXIST',
              `Registered model alias ${String(params.alias)} not found.`,
            );
      }
      case 'POST /registered-models/alias': {
        if (!model) return missingModel(name);
        const bad = versionOf(params.version);
        if (bad) return bad;
        model.aliases.set(String(params.alias), String(params.version));
        return { status: 200, body: {} };
      }
      case 'DELETE /registered-models/alias':
        if (!model) return missingModel(name);
        model.aliases.delete(String(params.alias));
        return { status: 200, body: {} };
      case 'GET /model-versions/search': {
        const filterName = /^name='(.*)'$/.exec(String(params.filter))?.[1];
        const m = filterName === undefined ? undefined : models.get(filterName);
        if (!m) return { status: 200, body: {} };
        const list = [...m.versions.keys()]
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => ({
            ...describe(v),
            name: filterName,
            tags: [...(m.versions.get(v) ?? [])].map(([key, value]) => ({ key, value })),
          }));
        return { status: 200, body: { model_versions: list } };
      }
      case 'POST /registered-models/get-latest-versions': {
        if (!model) return missingModel(name);
        const stages = (params.stages ?? []) as string[];
        const latest = [...model.versions.keys()]
          .filter((v) => stages.includes(model.versions.get(v)?.get('$stage') ?? 'None'))
          .sort((a, b) => Number(b) - Number(a))
          .slice(0, 1)
          .map((v) => ({ ...describe(v), current_stage: model.versions.get(v)?.get('$stage') }));
        return { status: 200, body: latest.length ? { model_versions: latest } : {} };
      }
      case 'POST /model-versions/transition-stage': {
        if (!model) return missingModel(name);
        const bad = versionOf(params.version);
        if (bad) return bad;
        const stage = String(params.stage);
        if (!['None', 'Staging', 'Production', 'Archived'].includes(stage))
          return err(400, 'INVALID_PARAMETER_VALUE', `Invalid Model Version stage: ${stage}`);
        if (params.archive_existing_versions === true && stage !== 'None' && stage !== 'Archived')
          for (const tags of model.versions.values())
            if (tags.get('$stage') === stage) tags.set('$stage', 'Archived');
        model.versions.get(String(params.version))?.set('$stage', stage);
        return {
          status: 200,
          body: { model_version: { ...describe(String(params.version)), current_stage: stage } },
        };
      }
      case 'POST /model-versions/set-tag': {
        if (!model) return missingModel(name);
        const bad = versionOf(params.version);
        if (bad) return bad;
        model.versions.get(String(params.version))?.set(String(params.key), String(params.value));
        return { status: 200, body: {} };
      }
      default:
        return err(404, 'ENDPOINT_NOT_FOUND', 'No such endpoint');
    }
  });
  return { server, models };
}
