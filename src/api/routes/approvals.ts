import type { FastifyPluginAsync } from 'fastify';
import { approvalVote } from '../../audit/audit-inputs.js';
import { CordonError } from '../../shared/errors.js';
import type { ApprovalStatus } from '../../store/approval-store.js';
import { BUILTIN_ROLES, hasRole } from '../../config/principals.js';
import { principalOf } from '../auth.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, idParamsFor, limitQuery, named, openObject } from '../schemas.js';

export const approvalSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'expired', 'cancelled'] },
    runId: { type: 'string' },
    playbookId: { type: 'string' },
    incidentId: { type: 'string' },
    state: { type: 'string' },
    step: { type: 'integer' },
    roles: { type: 'array', items: { type: 'string' } },
    quorum: { type: 'integer' },
    message: { type: 'string' },
    initiator: { type: 'string' },
    gated: { anyOf: [{ type: 'null' }, openObject] },
    votes: { type: 'array', items: openObject },
    createdAt: { type: 'integer' },
    expiresAt: { type: 'integer' },
    decidedAt: { type: 'integer' },
    escalations: {
      type: 'array',
      description:
        'Escalation steps taken while it waited (roles already include what they added).',
      items: openObject,
    },
    nextEscalationAt: {
      type: 'integer',
      description: 'When the next declared escalation happens if it is still pending (epoch ms).',
    },
  },
} as const;

/**
 * Built-in roles that never decide approvals on their own (admin and ingest are refused
 * outright): every one but approver, so a principal holding only these (an auditor, a
 * gateway) is refused with 403 before any approval is looked up.
 */
const NON_DECIDING_ROLES: ReadonlySet<string> = new Set(
  BUILTIN_ROLES.filter((r) => r !== 'approver'),
);

export const approvalRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'Approval', ...approvalSchema });
  app.get<{ Querystring: { status?: ApprovalStatus; run?: string; limit: number } }>(
    '/v1/approvals',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listApprovals',
        summary: 'List approvals, newest first',
        tags: ['approvals'],
        querystring: {
          type: 'object',
          properties: {
            status: {
              type: 'string',
              enum: ['pending', 'approved', 'rejected', 'expired', 'cancelled'],
            },
            run: { type: 'string' },
            limit: limitQuery,
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'A page of approvals.',
            type: 'object',
            properties: { approvals: { type: 'array', items: { $ref: 'Approval#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      approvals: await deps.approvals.list({
        limit: request.query.limit,
        ...(request.query.status ? { status: request.query.status } : {}),
        ...(request.query.run ? { runId: request.query.run } : {}),
      }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/approvals/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getApproval',
        summary: 'One approval, including the exact action it lets through',
        tags: ['approvals'],
        params: idParamsFor('apr'),
        response: { 200: named('Approval', 'The approval.'), ...errorResponses },
      },
    },
    async (request) => {
      const approval = await deps.approvals.get(request.params.id);
      if (!approval)
        throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No approval ${request.params.id}.`);
      return approval;
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { id: string }; Body: { comment?: string } }>(
      `/v1/approvals/:id/${decision}`,
      {
        // A bare POST (no body) approves without a comment.
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          operationId: decision === 'approve' ? 'approveApproval' : 'rejectApproval',
          summary:
            decision === 'approve'
              ? 'Approve (counts toward the quorum)'
              : 'Reject (decides at once; a comment is required)',
          description:
            "The caller must hold one of the roles the approval lists, and may not be the run's initiator. Each principal votes once.",
          tags: ['approvals'],
          params: idParamsFor('apr'),
          body: {
            type: 'object',
            ...(decision === 'reject' ? { required: ['comment'] } : {}),
            properties: { comment: { type: 'string', minLength: 1, maxLength: 4000 } },
            additionalProperties: false,
          },
          response: {
            200: named('Approval', 'Decided: the approval, now approved or rejected.'),
            202: named('Approval', 'Vote recorded; the quorum needs more approvers.'),
            ...errorResponses,
            409: named(
              'Error',
              'The approval is no longer pending, or this principal already voted.',
            ),
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        // Refusals that do not depend on the approval come before looking it up, so a
        // principal that may not decide learns nothing about which approvals exist.
        if (principal.roles.includes('ingest') || principal.roles.includes('admin')) {
          throw new CordonError(
            'CORDON_ERR_APPROVAL_ROLE',
            `Principal "${principal.id}" can ${principal.roles.includes('admin') ? 'administer Cordon' : 'submit events'} and so may not decide approvals (separation of duties); use an approver identity without those roles.`,
          );
        }
        if (!principal.roles.some((r) => !NON_DECIDING_ROLES.has(r))) {
          throw new CordonError(
            'CORDON_ERR_APPROVAL_ROLE',
            `Principal "${principal.id}" holds no role that can decide approvals (approver or a custom role a playbook names); it has ${principal.roles.join(', ')}.`,
          );
        }
        const notFound = (): CordonError =>
          new CordonError('CORDON_ERR_API_NOT_FOUND', `No approval ${request.params.id}.`);
        const approval = await deps.approvals.get(request.params.id);
        if (!approval) throw notFound();
        const role = approval.roles.find((r) => principal.roles.includes(r));
        if (!role) {
          // Only a principal that may read approvals anyway learns that this one exists.
          if (!hasRole(principal, ...READ_ROLES)) throw notFound();
          throw new CordonError(
            'CORDON_ERR_APPROVAL_ROLE',
            `Principal "${principal.id}" holds none of the roles approval ${approval.id} requires (${approval.roles.join(', ')}).`,
            { details: { required: approval.roles } },
          );
        }
        if (principal.id === approval.initiator) {
          throw new CordonError(
            'CORDON_ERR_APPROVAL_ROLE',
            `Principal "${principal.id}" started this run and may not approve its steps (separation of duties).`,
          );
        }
        const outcome = await deps.approvals.decide(
          approval.id,
          decision,
          principal.id,
          role,
          request.body?.comment ?? '',
          deps.clock.now(),
        );
        if (outcome.kind === 'decided' || outcome.kind === 'vote-recorded')
          await deps.audit.trail.record(
            approvalVote(
              principal,
              approval,
              { decision, role, comment: request.body?.comment ?? '' },
              outcome.kind === 'decided' ? outcome.status : undefined,
            ),
          );
        switch (outcome.kind) {
          case 'decided': {
            const decided = await deps.approvals.get(approval.id);
            if (decided) await deps.runner.deliverDecision(decided);
            request.log.info(
              { approvalId: approval.id, decision: outcome.status, by: principal.id, role },
              'approval decided',
            );
            return reply.status(200).send(decided);
          }
          case 'vote-recorded':
            return reply.status(202).send(await deps.approvals.get(approval.id));
          case 'expired':
            throw new CordonError(
              'CORDON_ERR_APPROVAL_NOT_PENDING',
              `Approval ${approval.id} expired at ${new Date(approval.expiresAt).toISOString()}; its timeout path was taken.`,
            );
          case 'already-voted':
            throw new CordonError(
              'CORDON_ERR_APPROVAL_NOT_PENDING',
              `Principal "${principal.id}" already voted on approval ${approval.id}; the quorum needs different approvers.`,
            );
          case 'not-pending':
            throw new CordonError(
              'CORDON_ERR_APPROVAL_NOT_PENDING',
              `Approval ${approval.id} is already ${outcome.status}.`,
            );
          case 'not-found':
            throw new CordonError('CORDON_ERR_API_NOT_FOUND', `No approval ${approval.id}.`);
        }
      },
    );
  }
};
