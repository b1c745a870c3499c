import { CordonError } from '../../../shared/errors.js';
import { sha256Hex } from '../../../shared/hash.js';
import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { defineConnectorType, text, type OperationContext } from '../connector-type.js';
import { TICKET_OPEN } from '../contracts.js';
import { TABLE, UPDATE_INPUTS, undoUpdate, updateIncident } from './update.js';

/** Cordon severity → ServiceNow impact and urgency ('1' high .. '3' low; priority is derived). */
const LEVEL: Readonly<Record<string, string>> = {
  critical: '1',
  high: '1',
  medium: '2',
  low: '3',
  info: '3',
};

interface IncidentRef {
  readonly sysId: string;
  readonly number: string;
}

export function correlationId(key: string): string {
  return `cordon-${sha256Hex(key).slice(0, 24)}`;
}

/**
 * The open incident carrying `id`. The query is re-checked against the answer because
 * ServiceNow silently drops an invalid fragment of sysparm_query and would then return
 * unrelated incidents.
 */
async function findByCorrelation(
  client: OutboundClient,
  id: string,
  ctx: OperationContext,
): Promise<IncidentRef | undefined> {
  const res = await client.request(
    {
      method: 'GET',
      path: TABLE,
      query: {
        sysparm_query: `correlation_id=${id}^active=true`,
        sysparm_limit: 10,
        sysparm_fields: 'sys_id,number,correlation_id',
        sysparm_exclude_reference_link: 'true',
      },
      idempotent: true,
    },
    ctx.signal,
  );
  const rows =
    (
      res.body as
        { result?: { sys_id?: unknown; number?: unknown; correlation_id?: unknown }[] } | undefined
    )?.result ?? [];
  const row = rows.find((r) => r.correlation_id === id);
  return row ? { sysId: String(row.sys_id), number: String(row.number) } : undefined;
}

/** ServiceNow Table API incidents, deduplicated by correlation_id (re-checked). */
export const servicenow = defineConnectorType<OutboundClient>({
  type: 'servicenow',
  description: 'ServiceNow incidents (Table API).',
  http: true,
  urlRequired: true,
  exampleUrl: 'https://your-instance.service-now.com',
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'ticket.update': {
      contract: {
        name: 'ticket.update',
        description: 'Add a work note to a ticket and/or move it to another state.',
        mutating: false,
        reversibleBy: 'ticket.restore',
        inputs: UPDATE_INPUTS,
      },
      idempotency:
        'The incident (found by sys_id, number or correlation_id, the answer re-checked) is kept with the effect; field writes repeat harmlessly, and the work note carries a tag from the effect key that a retry looks for in the journal before writing it again.',
      ledger: 'journal',
      undoes: 'ticket.restore puts back the state it changed (work notes stay: a journal).',
      run: (inputs, ctx, client) => updateIncident(inputs, ctx, client, correlationId),
      undo: (undoOf, ctx, client) => undoUpdate(undoOf, ctx, client),
    },
    'ticket.restore': {
      contract: {
        name: 'ticket.restore',
        description: 'Undo of ticket.update: put back the state it changed.',
        mutating: false,
        inputs: UPDATE_INPUTS,
      },
      idempotency: 'Setting a state twice is the same state.',
      ledger: 'journal',
      run: () => {
        throw new CordonError(
          'CORDON_ERR_ACTION_INPUT',
          "ticket.restore puts back what a ticket.update of the same run changed; run it as that action's undo (undo: ticket.restore).",
        );
      },
    },
    'ticket.open': {
      contract: TICKET_OPEN,
      idempotency:
        'correlation_id = cordon-<hash of dedupe or effect key>: an open incident with it is reused (the answer is re-checked, since ServiceNow drops invalid query fragments silently); the created sys_id is kept with the effect.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const id = correlationId(text(inputs.dedupe) || ctx.effectKey);
        const kept = await ctx.memo.recall<IncidentRef>('incident');
        const found = kept ?? (await findByCorrelation(client, id, ctx));
        if (found) return { ...found, created: false, correlationId: id };
        const level = LEVEL[text(inputs.severity)] ?? '2';
        const res = await client.request(
          {
            method: 'POST',
            path: TABLE,
            query: { sysparm_exclude_reference_link: 'true' },
            json: {
              short_description: text(inputs.summary).slice(0, 160),
              description: `${text(inputs.description)}\n\nOpened by Cordon for incident ${ctx.incidentId} (run ${ctx.runId}).`,
              impact: level,
              urgency: level,
              correlation_id: id,
              correlation_display: 'Cordon',
            },
            idempotent: false,
          },
          ctx.signal,
        );
        const row = (res.body as { result?: { sys_id?: unknown; number?: unknown } } | undefined)
          ?.result;
        if (typeof row?.sys_id !== 'string')
          throw outboundError(
            'CORDON_ERR_ACTION_RESPONSE',
            `Connector "${client.instance.name}": ServiceNow created an incident but its answer has no sys_id.`,
            res.status,
          );
        const ref = await ctx.memo.remember<IncidentRef>('incident', async () => ({
          sysId: row.sys_id as string,
          number: String(row.number),
        }));
        return { ...ref, created: true, correlationId: id };
      },
    },
  },
});
