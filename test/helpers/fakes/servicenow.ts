import { randomUUID } from 'node:crypto';
import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakeIncident {
  sys_id: string;
  number: string;
  short_description: string;
  correlation_id: string;
  active: string;
  impact: string;
  urgency: string;
}

const FIELDS = new Set(['correlation_id', 'active', 'number', 'sys_id']);

/**
 * ServiceNow Table API (incident): Basic auth; every value a string; results wrapped in
 * {result}; an empty query answers 200 {result: []}; errors are
 * {error:{message,detail},status:"failure"}. Like the real one, a sysparm_query fragment naming
 * an unknown field is silently dropped (so a typo widens the match).
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
    if (req.path !== '/api/now/table/incident')
      return failure(400, `Invalid table ${req.path.split('/').pop() ?? ''}`, null);
    if (req.method === 'GET') {
      const conditions = (req.query.get('sysparm_query') ?? '')
        .split('^')
        .map((c) => c.split('='))
        .filter(([field]) => FIELDS.has(field ?? ''));
      const limit = Number(req.query.get('sysparm_limit') ?? 10000);
      const rows = incidents
        .filter((i) => conditions.every(([f, v]) => i[f as keyof FakeIncident] === v))
        .slice(0, limit);
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
      };
      incidents.push(incident);
      return {
        status: 201,
        headers: { location: `${server.url}/api/now/table/incident/${incident.sys_id}` },
        body: { result: incident },
      };
    }
    return failure(405, 'Method not Supported', null);
  });
  return { server, incidents };
}
