import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { runStarted } from '../../audit/audit-inputs.js';
import type { CompiledPlaybook } from '../../playbook/definition/compile-playbook.js';
import { incidentScope } from '../../playbook/runtime/run-scope.js';
import { CordonError } from '../../shared/errors.js';
import { deterministicId } from '../../shared/hash.js';
import { suggest } from '../../shared/shape.js';
import { principalOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, idempotencyKeyHeaders, named, openObject } from '../schemas.js';

/** Who may start runs by hand (admin always may): the incident responders, as for cancel. */
const START_ROLES = ['responder'] as const;

interface StartBody {
  playbook: string;
  incident?: string;
  inputs?: Record<string, unknown>;
  comment?: string;
}

/**
 * POST /v1/runs: a person starts a playbook, for an incident or ad hoc with inputs only. The
 * run is queued as a trigger's would be (the runner creates it); with an Idempotency-Key the
 * run id is derived from the principal and the key, so a repeat finds the same run.
 */
export function registerRunStart(app: FastifyInstance, deps: ApiDeps): void {
  app.addSchema({
    $id: 'RunQueued',
    type: 'object',
    properties: {
      id: { type: 'string' },
      playbookId: { type: 'string' },
      playbookHash: { type: 'string' },
      incidentId: { type: 'string', description: 'Empty for an ad-hoc run.' },
      initiator: { type: 'string' },
      status: { type: 'string', enum: ['queued'] },
    },
  });
  app.post<{ Body: StartBody; Headers: { 'idempotency-key'?: string } }>(
    '/v1/runs',
    {
      config: { roles: START_ROLES },
      schema: {
        operationId: 'startRun',
        summary: 'Start a playbook by hand, for an incident or ad hoc with inputs',
        description:
          "With `incident`, the playbook runs for that incident whatever its trigger says (a person chose it); without one, only a playbook that declares `inputs:` can run, and its templates have no incident (reading incident.* fails that step). `inputs` are checked against the declaration. The principal is the run's initiator, so it cannot approve the run's own approvals. With an `Idempotency-Key` header a repeat returns the same run (200 once it exists); without one every call starts a new run.",
        tags: ['runs'],
        headers: idempotencyKeyHeaders(
          'Makes the start idempotent for this principal (printable ASCII).',
        ),
        body: {
          type: 'object',
          required: ['playbook'],
          properties: {
            playbook: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
            incident: { type: 'string', pattern: '^inc_[0-9a-f]{24}$' },
            inputs: { ...openObject, description: 'Read by the playbook as run.inputs.<name>.' },
            comment: { type: 'string', minLength: 1, maxLength: 4000 },
          },
          additionalProperties: false,
        },
        response: {
          200: named('Run', 'The run this Idempotency-Key already started.'),
          202: named('RunQueued', 'The run is queued; GET /v1/runs/{id} shows it once started.'),
          ...errorResponses,
          409: named('Error', 'The Idempotency-Key already started a different run.'),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const playbook = (deps.playbooks ?? []).find((p) => p.definition.id === body.playbook);
      if (!playbook)
        throw new CordonError(
          'CORDON_ERR_API_NOT_FOUND',
          `No playbook "${body.playbook}" is loaded; GET /v1/playbooks lists the ones that are.`,
        );
      let scope: Record<string, unknown> = {};
      if (body.incident !== undefined) {
        const incident = await deps.incidents.get(body.incident);
        if (!incident)
          throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No incident ${body.incident}.`);
        scope = incidentScope(incident);
      } else if (!playbook.definition.inputs) {
        throw new CordonError(
          'CORDON_ERR_RUN_START',
          `Playbook "${body.playbook}" declares no inputs, so it runs only for an incident; give "incident" (an incident id), or declare "inputs:" in the playbook to run it ad hoc.`,
        );
      }
      checkInputs(playbook, body.inputs);
      const key = request.headers['idempotency-key'];
      const runId = deterministicId('run', 'manual', principal.id, key ?? randomUUID());
      const incidentId = body.incident ?? '';
      const start = {
        runId,
        incident: scope,
        initiator: principal.id,
        ...(body.inputs ? { inputs: body.inputs } : {}),
        ...(body.comment ? { comment: body.comment } : {}),
      };
      const queued = {
        id: runId,
        playbookId: playbook.definition.id,
        playbookHash: playbook.hash,
        incidentId,
        initiator: principal.id,
        status: 'queued',
      };
      // Written once per run however many requests record it (a once-key): a repeat writes it
      // too, in case the first request died after queueing the start and before this entry. A
      // binding from before once-keys (no `audit` mark) had its entry written without one, so
      // a repeat of it writes none.
      const audited = async (b: IdempotencyBinding): Promise<unknown> =>
        b.audit !== 'once'
          ? undefined
          : deps.audit.trail.record(
              runStarted(
                principal,
                {
                  id: runId,
                  incidentId: b.incidentId,
                  playbookId: b.playbookId,
                  playbookHash: b.playbookHash,
                  ...(b.start.inputs ? { inputs: b.start.inputs } : {}),
                },
                b.start.comment ?? '',
              ),
              { once: runId },
            );
      const binding: IdempotencyBinding = {
        playbookId: playbook.definition.id,
        playbookHash: playbook.hash,
        incidentId,
        start,
        audit: 'once',
      };
      if (key !== undefined) {
        const mismatch = (bound: { playbookId: string; incidentId: string }): never => {
          throw new CordonError(
            'CORDON_ERR_RUN_IDEMPOTENCY',
            `Idempotency-Key "${key}" already started run ${runId} (playbook "${bound.playbookId}"${bound.incidentId ? `, incident ${bound.incidentId}` : ', ad hoc'}); use a new key for a different start.`,
            { details: { runId } },
          );
        };
        const existing = await deps.runs.get(runId);
        if (existing) {
          if (existing.playbookId !== body.playbook || existing.incidentId !== incidentId)
            mismatch(existing);
          const { pendingEffects: _pending, version: _version, held: _held, ...visible } = existing;
          const first = await deps.runs.idempotencyBinding<IdempotencyBinding>(runId);
          if (first) await audited(first);
          return reply.code(200).send(visible);
        }
        // The first use of the key binds it, atomically, before anything is queued: a repeat
        // (or a racing request) finds the binding whether or not the runner made the run yet.
        const bound = await deps.runs.bindIdempotency(runId, binding, IDEMPOTENCY_TTL_MS);
        if (bound) {
          if (bound.playbookId !== body.playbook || bound.incidentId !== incidentId)
            mismatch(bound);
          // Queued by the first request (its job id keeps it to one run); queued again as bound
          // in case that request died before queueing, and its audit entry written if it did
          // not. (A playbook edited since cannot queue the bound version: no entry for a start
          // that may never run; the first request's own stands if it got that far.)
          if (bound.playbookHash === playbook.hash) {
            await deps.runner.startManual(playbook, bound.start);
            await audited(bound);
          }
          return reply.code(202).send({ ...queued, initiator: bound.start.initiator });
        }
      }
      await deps.runner.startManual(playbook, start);
      await audited(binding);
      request.log.info(
        { runId, playbookId: body.playbook, by: principal.id },
        'run started by hand',
      );
      return reply.code(202).send(queued);
    },
  );
}

/** How long an Idempotency-Key stays bound to what it first started (a run, once made, stays). */
const IDEMPOTENCY_TTL_MS = 7 * 24 * 3_600_000;

/** What an Idempotency-Key was first used for: the start job it queued. */
interface IdempotencyBinding {
  readonly playbookId: string;
  readonly playbookHash: string;
  readonly incidentId: string;
  readonly start: Parameters<ApiDeps['runner']['startManual']>[1];
  /** Set by versions that record run.started under a once-key (absent: written without). */
  readonly audit?: 'once';
}

/** The inputs fit the playbook's declaration: none unknown, every required one given. */
function checkInputs(
  playbook: CompiledPlaybook,
  inputs: Record<string, unknown> | undefined,
): void {
  const id = playbook.definition.id;
  const declared = playbook.definition.inputs ?? {};
  const names = Object.keys(declared);
  for (const name of Object.keys(inputs ?? {})) {
    if (name in declared) continue;
    const hint = suggest(name, names);
    throw new CordonError(
      'CORDON_ERR_RUN_INPUTS',
      names.length === 0
        ? `Playbook "${id}" declares no inputs, but the request passes "${name}"; remove "inputs", or declare it under "inputs:" in the playbook.`
        : `Playbook "${id}" has no input "${name}"${hint ? `; did you mean "${hint}"?` : ''}; it declares ${names.join(', ')}.`,
      { details: { field: `/inputs/${name}` } },
    );
  }
  const missing = Object.entries(declared)
    .filter(
      ([name, spec]) => spec.required && (inputs?.[name] === undefined || inputs[name] === null),
    )
    .map(([name]) => name);
  if (missing.length > 0)
    throw new CordonError(
      'CORDON_ERR_RUN_INPUTS',
      `Playbook "${id}" requires input ${missing.map((m) => `"${m}"`).join(', ')}; pass it under "inputs" (${missing.map((m) => `"${m}": ${JSON.stringify(declared[m]?.description || '…')}`).join(', ')}).`,
      { details: { field: `/inputs/${missing[0] as string}` } },
    );
}
