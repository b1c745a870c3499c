import { CordonError } from '../../../shared/errors.js';
import { sha256Hex } from '../../../shared/hash.js';
import { outboundError } from '../../http/outbound-errors.js';
import type { OutboundClient } from '../../http/outbound-client.js';
import type { InputSpec } from '../../operations.js';
import { text, type OperationContext, type UndoOf } from '../connector-type.js';

export const TABLE = '/api/now/table/incident';

export const UPDATE_INPUTS: Readonly<Record<string, InputSpec>> = {
  ticket: {
    type: 'string',
    required: false,
    description: 'The incident: its sys_id or number (INC…), e.g. from ticket.open’s result.',
  },
  dedupe: {
    type: 'string',
    required: false,
    description: 'Or: the dedupe key ticket.open was given (found by its correlation_id).',
  },
  note: { type: 'text', required: false, description: 'A work note to append.' },
  state: {
    type: 'string',
    required: false,
    description: 'new, in_progress, on_hold, resolved, closed, canceled (or the numeric code).',
  },
  close_code: { type: 'string', required: false, description: 'Resolution code (resolving).' },
  close_notes: { type: 'text', required: false, description: 'Resolution notes (resolving).' },
};

/** The default incident state model (sys_choice of incident.state). */
const STATES: Readonly<Record<string, string>> = {
  new: '1',
  in_progress: '2',
  on_hold: '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
};

export interface IncidentRow {
  readonly sysId: string;
  readonly number: string;
  readonly state: string;
}

export interface UpdateResult {
  readonly sysId: string;
  readonly number: string;
  readonly noted: boolean;
  /** The state before, when this update changed it (what the undo puts back). */
  readonly previousState: string | null;
  readonly state: string;
}

function stateCode(value: unknown): string | undefined {
  const v = text(value)
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return v;
  const code = STATES[v];
  if (code) return code;
  throw new CordonError(
    'CORDON_ERR_ACTION_INPUT',
    `ServiceNow ticket.update state "${text(value)}" is not one of ${Object.keys(STATES).join(', ')} or a numeric state code.`,
  );
}

type Row = Record<string, unknown>;

function rowOf(r: Row | undefined): IncidentRow | undefined {
  return r && typeof r.sys_id === 'string'
    ? { sysId: r.sys_id, number: text(r.number), state: text(r.state) }
    : undefined;
}

/**
 * The incident to update, by sys_id, number or correlation_id. Queries are re-checked against
 * each answer: ServiceNow silently drops an invalid sysparm_query fragment and would then
 * answer with unrelated incidents, which must not be updated.
 */
export async function findIncident(
  client: OutboundClient,
  by: { readonly ticket?: string; readonly correlationId?: string },
  ctx: OperationContext,
): Promise<IncidentRow> {
  const fields = 'sys_id,number,state,correlation_id';
  const name = client.instance.name;
  if (by.ticket && /^[0-9a-f]{32}$/.test(by.ticket)) {
    const res = await client.request(
      {
        method: 'GET',
        path: `${TABLE}/${by.ticket}`,
        query: { sysparm_fields: fields, sysparm_exclude_reference_link: 'true' },
        idempotent: true,
      },
      ctx.signal,
    );
    const row = rowOf((res.body as { result?: Row } | undefined)?.result);
    if (row?.sysId === by.ticket) return row;
    throw outboundError(
      'CORDON_ERR_ACTION_RESPONSE',
      `Connector "${name}": ServiceNow answered for incident ${by.ticket} with another record.`,
      res.status,
    );
  }
  const [field, value] = by.ticket
    ? (['number', by.ticket] as const)
    : (['correlation_id', by.correlationId ?? ''] as const);
  if (!/^[\w.:-]{1,100}$/.test(value))
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      `ServiceNow ticket "${value}" is neither a sys_id (32 hex digits) nor an incident number (INC0010001).`,
    );
  const res = await client.request(
    {
      method: 'GET',
      path: TABLE,
      query: {
        sysparm_query: `${field}=${value}^ORDERBYDESCsys_created_on`,
        sysparm_limit: 10,
        sysparm_fields: fields,
        sysparm_exclude_reference_link: 'true',
      },
      idempotent: true,
    },
    ctx.signal,
  );
  const rows = (res.body as { result?: Row[] } | undefined)?.result ?? [];
  const row = rowOf(rows.find((r) => r[field] === value));
  if (row) return row;
  throw outboundError(
    'CORDON_ERR_ACTION_REJECTED',
    `Connector "${name}": no ServiceNow incident has ${field} ${value}${rows.length > 0 ? ` (the query answered ${rows.length} other incident(s), ignored)` : ''}.`,
  );
}

/** Journal entries cannot be deduplicated by ServiceNow; this tag lets a retry find its own. */
function noteTag(effectKey: string): string {
  return `[cordon:${sha256Hex(effectKey).slice(0, 12)}]`;
}

async function journalHas(
  client: OutboundClient,
  sysId: string,
  tag: string,
  ctx: OperationContext,
): Promise<boolean> {
  const res = await client.request(
    {
      method: 'GET',
      path: `${TABLE}/${sysId}`,
      query: { sysparm_fields: 'work_notes', sysparm_display_value: 'true' },
      idempotent: true,
    },
    ctx.signal,
  );
  return text((res.body as { result?: Row } | undefined)?.result?.work_notes).includes(tag);
}

async function patch(
  client: OutboundClient,
  sysId: string,
  body: Record<string, string>,
  ctx: OperationContext,
): Promise<void> {
  await client.request(
    {
      method: 'PATCH',
      path: `${TABLE}/${sysId}`,
      query: { sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,state' },
      json: body,
      // Field writes repeat harmlessly, but a work note is a journal entry: a PATCH carrying
      // one is not re-sent in-call after a 5xx or timeout; the job's retry checks its tag.
      idempotent: body.work_notes === undefined,
    },
    ctx.signal,
  );
}

export async function updateIncident(
  inputs: Readonly<Record<string, unknown>>,
  ctx: OperationContext,
  client: OutboundClient,
  correlationIdOf: (key: string) => string,
): Promise<UpdateResult> {
  const ticket = text(inputs.ticket);
  const dedupe = text(inputs.dedupe);
  if (!ticket === !dedupe)
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      'ServiceNow ticket.update needs exactly one of ticket (sys_id or number) and dedupe (the key ticket.open was given).',
    );
  const state = stateCode(inputs.state);
  const note = text(inputs.note);
  if (!state && !note)
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      'ServiceNow ticket.update has nothing to do: give a note, a state, or both.',
    );
  const found = await ctx.memo.remember('incident', () =>
    findIncident(client, ticket ? { ticket } : { correlationId: correlationIdOf(dedupe) }, ctx),
  );
  const body: Record<string, string> = {};
  if (state) body.state = state;
  if (inputs.close_code !== undefined) body.close_code = text(inputs.close_code);
  if (inputs.close_notes !== undefined) body.close_notes = text(inputs.close_notes);
  if (note) {
    const tag = noteTag(ctx.effectKey);
    // A memo written before the first send marks a retry, which looks for its tag in the
    // journal before writing again (a timed-out PATCH may have landed).
    const retry = (await ctx.memo.recall<boolean>('noteSent')) === true;
    if (!retry) await ctx.memo.remember('noteSent', () => Promise.resolve(true));
    if (!retry || !(await journalHas(client, found.sysId, tag, ctx)))
      body.work_notes = `${note}\n${tag}`;
  }
  if (Object.keys(body).length > 0) await patch(client, found.sysId, body, ctx);
  const changed = state !== undefined && state !== found.state;
  return {
    sysId: found.sysId,
    number: found.number,
    noted: note !== '',
    previousState: changed ? found.state : null,
    state: state ?? found.state,
  };
}

/** Puts back the state a ticket.update changed (notes are a journal: they stay). */
export async function undoUpdate(
  undoOf: UndoOf,
  ctx: OperationContext,
  client: OutboundClient,
): Promise<unknown> {
  const r = undoOf.result as UpdateResult;
  if (r.previousState === null) return { sysId: r.sysId, number: r.number, restored: false };
  await patch(client, r.sysId, { state: r.previousState }, ctx);
  return { sysId: r.sysId, number: r.number, restored: true, state: r.previousState };
}
