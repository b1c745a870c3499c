import { CordonError } from '../../../shared/errors.js';
import { deterministicId } from '../../../shared/hash.js';
import type { CaseStore } from '../../../store/case-store.js';
import { defineConnectorType, text } from '../connector-type.js';
import { TICKET_OPEN } from '../contracts.js';

/** Cordon's own case store (GET /v1/cases): tickets with no ticketing system configured. */
export const builtinCases = defineConnectorType<CaseStore>({
  type: 'builtin-cases',
  description: 'Built-in case store (GET /v1/cases).',
  http: false,
  create: (_instance, deps) => {
    if (!deps.cases)
      throw new CordonError(
        'CORDON_ERR_ACTION_CONNECTOR',
        'The built-in case store is not available in this process.',
      );
    return deps.cases;
  },
  operations: {
    'ticket.open': {
      contract: TICKET_OPEN,
      idempotency:
        'One Lua script opens the case and writes the ledger; `dedupe` maps to one case across runs.',
      ledger: 'atomic',
      run: (inputs, ctx, cases) => {
        const dedupe = text(inputs.dedupe);
        const caseId = deterministicId('case', dedupe || ctx.effectKey);
        return cases.open(
          ctx.effectKey,
          caseId,
          dedupe,
          {
            summary: text(inputs.summary),
            description: text(inputs.description),
            severity: text(inputs.severity) || 'medium',
            openedBy: ctx.runId,
            incidentId: ctx.incidentId,
          },
          ctx.now,
          ctx.connector,
        );
      },
    },
  },
});
