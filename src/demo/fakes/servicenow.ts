import { randomUUID } from 'node:crypto';
import { FakeServer, type FakeReply, type FakeRequest } from './fake-server.js';

export interface FakeIncident {
  sys_id: string;
  number: string;
  short_description: string;
  correlation_id: string;
  active: string;
  impact: string;
  urgency: string;
  state: string;
  close_code: string;
  close_notes: string;
  /** Journal: one entry per write, never deduplicated. */
  work_notes: string[];
}

const FIELDS = new Set(['correlation_id', 'active', 'number', 'sys_id', 'state']);
const RESOLVED = ['6', '7'];

/**
 * ServiceNow Table API (incident): Basic auth; every value a string; results wrapped in
 * {result}; an empty query answers 200 {result: []}; errors are
 * {error:{message,detail},status:"failure"}. Like the real one, a sysparm_query fragment naming
 * an unknown field is silently dropped (so a typo widens the match). GET/PATCH
 * /incident/{sys_id} (404 "No Record found"); work_notes is a journal (every write appends,
 * shown only with sysparm_display_value=true); resolving without close_code and close_notes
 * is refused 403 by the default data policy.
 */
export function servicenowFake(
  user: string,
  password: string,
): { server: FakeServer; incidents: FakeIncident[] } {
  const incidents: FakeIncident[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const failure = (status: number, message: string, detail: string | null): FakeReply => ({
    status,
    body: { error: { message, detail }, status: 'failure' },
  });
  const server = new FakeServer((req): FakeReply => {
    if (req.headers.authorization !== expected)
      return failure(401, 'User Not Authenticated', 'Required to provide Auth information');
    const one = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(req.path);
    if (one) return record(req, one[1] ?? '');
    if (req.path !== '/api/now/table/incident')
      return failure(400, `Invalid table ${req.path.split('/').pop() ?? ''}`, null);
    if (req.method === 'GET') {
      const conditions = (req.query.get('sysparm_query') ?? '')
        .replace(/\^ORDERBY(DESC)?\w+/g, '')
        .split('^')
        .map((c) => c.split('='))
        .filter(([field]) => FIELDS.has(field ?? ''));
      const limit = Number(req.query.get('sysparm_limit') ?? 10000);
      const rows = incidents
        .filter((i) => conditions.every(([f, v]) => i[f as keyof FakeIncident] === v))
        .slice(0, limit)
        .map((i) => view(i));
      return { status: 200, body: { result: rows } };
    }
    if (req.method === 'POST') {
      const body = (req.json ?? {}) as Record<string, string | undefined>;
      const incident: FakeIncident = {
        sys_id: randomUUID().replace(/-/g, ''),
        number: `INC${String(10001 + incidents.length).padStart(7, '0')}`,
        short_description: body.short_description ?? '',
        correlation_id: body.correlation_id ?? '',
        active: 'true',
        impact: body.impact ?? '3',
        urgency: body.urgency ?? '3',
        state: '1',
        close_code: '',
        close_notes: '',
        work_notes: [],
      };
      incidents.push(incident);
      return {
        status: 201,
        headers: { location: `${server.url}/api/now/table/incident/${incident.sys_id}` },
        body: { result: view(incident) },
      };
    }
    return failure(405, 'Method not Supported', null);
  });

  /** A record as the Table API shows it: every value a string; work_notes only as display. */
  function view(i: FakeIncident, displayNotes = false): Record<string, string> {
    const { work_notes: notes, ...fields } = i;
    return {
      ...fields,
      work_notes: displayNotes
        ? notes
            .map((n) => `2026-01-01 10:00:00 - Cordon Integration (Work notes)\n${n}\n`)
            .join('\n')
        : '',
    };
  }

  function record(req: FakeRequest, sysId: string): FakeReply {
    const incident = incidents.find((i) => i.sys_id === sysId);
    if (!incident)
      return failure(
        404,
        'No Record found',
        "Record doesn't exist or ACL restricts the record retrieval",
      );
    if (req.method === 'GET')
      return {
        status: 200,
        body: { result: view(incident, req.query.get('sysparm_display_value') === 'true') },
      };
    if (req.method !== 'PATCH' && req.method !== 'PUT')
      return failure(405, 'Method not Supported', null);
    const body = (req.json ?? {}) as Record<string, unknown>;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const state = str(body.state) ?? incident.state;
    const closeCode = str(body.close_code) ?? incident.close_code;
    const closeNotes = str(body.close_notes) ?? incident.close_notes;
    // The default data policy: resolving needs a resolution code and notes.
    if (RESOLVED.includes(state) && (!closeCode || !closeNotes))
      return failure(
        403,
        'Operation Failed',
        'Data Policy Exception: Resolution code and Resolution notes are mandatory',
      );
    incident.state = state;
    incident.active = RESOLVED.includes(state) || state === '8' ? 'false' : 'true';
    incident.close_code = closeCode;
    incident.close_notes = closeNotes;
    const note = str(body.work_notes);
    if (note) incident.work_notes.push(note);
    return { status: 200, body: { result: view(incident) } };
  }
  return { server, incidents };
}
