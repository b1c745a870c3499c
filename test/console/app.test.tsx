// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/console/ui/app';
import type { Containment, WhoAmI } from '../../src/console/ui/lib/types';
import { containmentRoute, fakeApi, limiterClearRoute, testEnv, type Handler } from './fake-api';
import { containmentItems, quickStart } from './fixtures';

const qs = quickStart();
const APPROVER: WhoAmI = { principal: 'alice', roles: ['approver', 'analyst', 'responder'] };
/** The page's clock: a minute after the recorded approval was asked for. */
const NOW = () => qs.approval.createdAt + 60_000;
const ANALYST: WhoAmI = { principal: 'bob', roles: ['analyst'] };

function api(
  me: WhoAmI,
  lists: {
    incidents?: unknown[];
    approvals?: unknown[];
    runs?: unknown[];
    containment?: Handler;
    /** What the containment route lists and a lift takes limiter rows out of. */
    contained?: Containment[];
    lift?: Handler;
  } = {},
) {
  const contained = lists.contained ?? containmentItems(NOW(), qs.runWaiting.id);
  return fakeApi({
    'GET /v1/containment': lists.containment ?? containmentRoute(contained),
    'POST /v1/limiter/keys/{key}/clear':
      lists.lift ?? limiterClearRoute(contained, me, { now: NOW }),
    'GET /v1/whoami': () => ({ json: me }),
    'GET /v1/incidents': () => ({ json: { incidents: lists.incidents ?? [qs.incident] } }),
    'GET /v1/approvals': () => ({ json: { approvals: lists.approvals ?? [qs.approval] } }),
    'GET /v1/runs': () => ({ json: { runs: lists.runs ?? [qs.runWaiting] } }),
    [`GET /v1/incidents/${qs.incident.id}`]: () => ({ json: qs.incidentDetail }),
    [`GET /v1/incidents/${qs.incident.id}/events`]: () => ({
      json: {
        incidentId: qs.incident.id,
        rule: {
          id: qs.incident.rule,
          type: 'baseline_spike',
          timespanMs: 60_000,
          condition: { kind: 'threshold', bounds: [{ op: 'gt', value: 100 }] },
        },
        matches: [
          {
            matchId: 'm_1',
            windowStart: qs.incident.lastSeen! - 60_000,
            windowEnd: qs.incident.lastSeen!,
            count: 101,
            eventTimes: Array.from(
              { length: 101 },
              (_, i) => qs.incident.lastSeen! - 10_000 + i * 100,
            ),
          },
        ],
        events: [
          {
            ref: 'events/e1',
            seq: '1-0',
            event: {
              kind: 'inference',
              name: 'chat.completions',
              time: qs.incident.lastSeen,
              entity: { api_key: 'key-demo' },
            },
          },
        ],
        missing: ['events/e0'],
        truncated: false,
      },
    }),
    [`POST /v1/incidents/${qs.incident.id}/resolve`]: (req) => ({
      json: {
        ...qs.incident,
        status: 'resolved',
        resolvedBy: me.principal,
        resolveComment: (req.body as { comment: string }).comment,
      },
    }),
    [`GET /v1/approvals/${qs.approval.id}`]: () => ({ json: qs.approval }),
    [`POST /v1/approvals/${qs.approval.id}/approve`]: () => ({
      json: {
        ...qs.approval,
        status: 'approved',
        votes: [{ by: me.principal, role: 'approver', decision: 'approved', comment: 'ok', at: 1 }],
      },
    }),
    [`GET /v1/runs/${qs.runWaiting.id}`]: () => ({ json: qs.runWaiting }),
    [`GET /v1/playbooks/${qs.runWaiting.playbookId}/graph`]: () => ({ json: qs.graph }),
    'GET /v1/deadletters': () => ({ json: qs.deadLetters }),
    [`GET /v1/deadletters/${qs.deadLetter.id}`]: () => ({ json: qs.deadLetter }),
    'GET /v1/rules': () => ({
      json: {
        rules: [
          {
            id: 'quiet_rule',
            title: 'A quiet rule',
            level: 'low',
            type: 'event_count',
            hits: 0,
            incidents: 0,
            sparkline: Array(48).fill(0),
            sparklineBucketMs: 1_800_000,
          },
          {
            id: qs.incident.rule,
            title: qs.incident.ruleTitle,
            level: 'high',
            type: 'baseline_spike',
            hits: 3,
            incidents: 1,
            sparkline: [...Array(46).fill(0), 1, 2],
            sparklineBucketMs: 1_800_000,
          },
        ],
      },
    }),
    [`GET /v1/rules/${qs.incident.rule}`]: () => ({
      json: {
        id: qs.incident.rule,
        title: qs.incident.ruleTitle,
        level: 'high',
        file: 'correlations/model-extraction.yaml',
        yaml: 'title: Model extraction by query volume\n',
        tests: ['fires on the 101st request'],
      },
    }),
    'GET /v1/sources': () => ({
      json: {
        sources: [
          {
            name: 'events',
            type: 'events',
            accepted: 120,
            duplicates: 0,
            refused: 1,
            lastAcceptedAt: qs.approval.createdAt,
            deadLetters: 1,
          },
        ],
      },
    }),
  });
}

function open(path: string, token = 'tok-1') {
  window.sessionStorage.clear();
  window.history.replaceState(null, '', `${path}#token=${token}`);
}

beforeEach(() => window.sessionStorage.clear());
afterEach(() => cleanup());

describe('console', () => {
  it('signs in from the link fragment, drops the fragment, and sends the token as a Bearer header', async () => {
    const fake = api(APPROVER);
    open('/incidents', 'tok-secret');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect(await screen.findByText('alice')).toBeTruthy();
    expect(window.location.hash).toBe('');
    expect(window.sessionStorage.getItem('cordon.token')).toBe('tok-secret');
    await screen.findByRole('link', { name: qs.incident.title });
    expect(fake.requests.length).toBeGreaterThan(3);
    for (const r of fake.requests) expect(r.headers.authorization).toBe('Bearer tok-secret');
  });

  it('returns to sign-in with the reason when the token is refused', async () => {
    const fake = fakeApi({
      'GET /v1/whoami': () => ({ status: 401, json: { code: 'CORDON_ERR_AUTH', message: 'no' } }),
    });
    open('/incidents', 'wrong');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/did not accept that token/);
    expect(window.sessionStorage.getItem('cordon.token')).toBeNull();
    fireEvent.input(screen.getByLabelText('API token'), { target: { value: '  ' } });
    fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/Paste a token/);
  });

  it('shows incidents and approvals that arrive on the stream without a reload, and counts pending approvals in the nav', async () => {
    const fake = api(APPROVER, { incidents: [], approvals: [], runs: [] });
    open('/incidents');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByText('No incidents yet.');
    await waitFor(() => expect(fake.streamCount).toBe(1));
    fake.push('incident', qs.incident, '1-0');
    expect(await screen.findByRole('link', { name: qs.incident.title })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Console' });
    expect(within(nav).queryByLabelText(/pending/)).toBeNull();
    fake.push('approval', qs.approval, '2-0');
    expect((await within(nav).findByLabelText('1 pending')).textContent).toBe('1');
    // One polite announcement for the batch.
    await waitFor(
      () =>
        expect(screen.getByRole('status').textContent).toBe(
          '1 new incident, 1 new approval waiting for a decision',
        ),
      { timeout: 3000 },
    );
    fake.push('approval', { ...qs.approval, status: 'approved' }, '3-0');
    await waitFor(() => expect(within(nav).queryByLabelText(/pending/)).toBeNull());
  });

  it('holds new rows behind a "new" button while the pointer is over the list', async () => {
    const fake = api(APPROVER);
    open('/incidents');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const link = await screen.findByRole('link', { name: qs.incident.title });
    await waitFor(() => expect(fake.streamCount).toBe(1));
    fireEvent.pointerEnter(link.closest('.table-wrap')!);
    fake.push('incident', { ...qs.incident, id: 'inc_new', title: 'A second incident' }, '5-0');
    const more = await screen.findByRole('button', { name: '1 new incident: show' });
    expect(screen.queryByRole('link', { name: 'A second incident' })).toBeNull();
    fireEvent.click(more);
    expect(await screen.findByRole('link', { name: 'A second incident' })).toBeTruthy();
  });

  it('shows what an approval will do, requires a comment to reject, and approves with the comment', async () => {
    const fake = api(APPROVER);
    open(`/approvals/${qs.approval.id}`);
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Approve ticket.open on cases?' }),
    ).toBeTruthy();
    expect(screen.getByText(String(qs.approval.gated!.inputs.summary))).toBeTruthy();
    expect(screen.getByText(qs.approval.message!)).toBeTruthy();
    expect(screen.getByText(qs.approval.initiator!)).toBeTruthy();
    expect(screen.getByText(/left$/).textContent).toBe('29 min left');
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/comment is required to reject/);
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
    fireEvent.input(screen.getByLabelText(/Comment/), { target: { value: 'confirmed scraping' } });
    fireEvent.click(screen.getByRole('button', { name: 'Approve: ticket.open on cases' }));
    expect((await screen.findByText(/You approved/)).textContent).toMatch(/Follow the run/);
    const post = fake.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe(`/v1/approvals/${qs.approval.id}/approve`);
    expect(post.body).toEqual({ comment: 'confirmed scraping' });
  });

  it('tells an analyst why they cannot decide, and offers no decision buttons', async () => {
    const fake = api(ANALYST);
    open(`/approvals/${qs.approval.id}`);
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect(await screen.findByText(/holds no role that decides approvals/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('draws the run graph with its current state and lets a responder cancel after a confirmation', async () => {
    const fake = api(APPROVER);
    open(`/runs/${qs.runWaiting.id}`);
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const states = await screen.findByRole('list', { name: 'Playbook states' });
    const current = states.querySelectorAll('[aria-current="step"]');
    expect(current.length).toBe(1);
    expect(current[0]!.textContent).toMatch(/^ask_case \(current\)/);
    expect(document.querySelector('svg g.mark-current[aria-current="step"]')?.textContent).toMatch(
      /ask_case/,
    );
    expect(document.querySelector('svg g.mark-visited')?.textContent).toMatch(/throttle/);
    expect(
      screen.getByText(/throttle → ask_case on action.succeeded after 1 attempt/),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run…' }));
    const dialog = await screen.findByRole('alertdialog');
    await waitFor(() =>
      expect(document.activeElement).toBe(
        within(dialog).getByRole('button', { name: 'Keep running' }),
      ),
    );
    expect(dialog.textContent).toMatch(/1 effect is undone/);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  });

  it('offers no cancel to an analyst', async () => {
    const fake = api(ANALYST);
    open(`/runs/${qs.runWaiting.id}`);
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('list', { name: 'Playbook states' });
    expect(screen.queryByRole('button', { name: /Cancel run/ })).toBeNull();
  });

  it('lists sources and dead letters with located reasons, and loads a raw body on demand', async () => {
    const fake = api(APPROVER);
    open('/sources');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect(await screen.findByRole('rowheader', { name: 'events' })).toBeTruthy();
    expect(await screen.findByText(/is not valid JSON/)).toBeTruthy();
    expect(screen.getByText('/1')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Show the raw body' }));
    expect((await screen.findByLabelText('Raw body')).textContent).toContain('{bad json');
  });

  it('shows the evidence chart against the threshold and lets a responder resolve the incident', async () => {
    const fake = api(APPROVER);
    open(`/incidents/${qs.incident.id}`);
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const chart = await screen.findByRole('img', {
      name: /^101 contributing events between .* UTC; threshold 100 \(count > 100\)$/,
    });
    expect(chart.querySelector('.threshold line')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'AML.T0024.002' }).getAttribute('href')).toBe(
      'https://atlas.mitre.org/techniques/AML.T0024.002',
    );
    expect(screen.getByText('chat.completions')).toBeTruthy();
    expect(screen.getByText(/1 contributing events are no longer kept/)).toBeTruthy();
    fireEvent.click(screen.getByText('Resolve this incident'));
    fireEvent.click(screen.getByRole('button', { name: 'Resolve incident' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/comment is required/);
    fireEvent.input(screen.getByLabelText(/How was it handled/), {
      target: { value: 'key rotated' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Resolve incident' }));
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Resolve incident' })).toBeNull(),
    );
    expect(screen.getAllByText('resolved').length).toBeGreaterThan(0);
    const post = fake.requests.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({ comment: 'key rotated' });
  });

  it('offers no resolve to an analyst', async () => {
    const fake = api(ANALYST);
    open(`/incidents/${qs.incident.id}`);
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('heading', { name: 'Evidence' });
    expect(screen.queryByText('Resolve this incident')).toBeNull();
  });

  it('lists rules by hits with a sparkline in words, and shows a rule with its YAML and tests', async () => {
    const fake = api(APPROVER);
    open('/rules');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const first = await screen.findByRole('link', { name: qs.incident.ruleTitle! });
    const rows = screen.getAllByRole('row');
    expect(rows[1]!.contains(first)).toBe(true);
    expect(
      screen.getByRole('img', { name: '3 matches in the last 24 h, at most 2 in 30 min' }),
    ).toBeTruthy();
    fireEvent.click(first);
    expect(await screen.findByText('fires on the 101st request')).toBeTruthy();
    expect(screen.getByText(/title: Model extraction by query volume/)).toBeTruthy();
  });

  it('navigates between pages with real links and marks the current one', async () => {
    const fake = api(APPROVER);
    open('/incidents');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const nav = await screen.findByRole('navigation', { name: 'Console' });
    expect(within(nav).getByRole('link', { name: 'Incidents' }).getAttribute('aria-current')).toBe(
      'page',
    );
    fireEvent.click(within(nav).getByRole('link', { name: /Runs/ }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Runs' })).toBeTruthy();
    expect(window.location.pathname).toBe('/runs');
    expect(within(nav).getByRole('link', { name: /Runs/ }).getAttribute('aria-current')).toBe(
      'page',
    );
  });

  it('lists what is contained: target, where, kind, since, lifts and holders, and flags an undo that failed', async () => {
    const fake = api(ANALYST);
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const nav = await screen.findByRole('navigation', { name: 'Console' });
    expect(
      within(nav).getByRole('link', { name: 'Containment' }).getAttribute('aria-current'),
    ).toBe('page');
    const alice = await screen.findByRole('row', { name: /^alice/ });
    const cells = within(alice)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells.slice(0, 4)).toEqual(['kong-prodkong', 'rate limited', '5 min ago', 'in 55 min']);
    expect(cells[4]).toMatch(/^2 holdersnewest: run_kong_new resolved/);
    expect(within(alice).getByRole('link', { name: 'run_kong_new' }).getAttribute('href')).toBe(
      '/runs/run_kong_new',
    );
    // The older holder's run was cancelled and its undo failed: named, linked, in words.
    const flag = within(alice).getByText(/undo failed — left in force/);
    expect(flag.textContent).toBe(
      'undo failed — left in force: run_kong_old (cancelled); try the undo again on its run page (responder or admin)',
    );
    expect(within(flag).getByRole('link', { name: 'run_kong_old' }).getAttribute('href')).toBe(
      '/runs/run_kong_old',
    );
    const limiter = screen.getByRole('row', { name: /^key-demo/ });
    expect(within(limiter).getByText('built-in limiter')).toBeTruthy();
    expect(within(limiter).getByText('throttled')).toBeTruthy();
    expect(within(limiter).getByText('on undo')).toBeTruthy();
    expect(within(limiter).queryByText(/undo failed/)).toBeNull();
    // A resolved run with no expiry: nothing will undo it, only a release lifts it.
    const bob = screen.getByRole('row', { name: /^bob/ });
    expect(within(bob).getByText('on release')).toBeTruthy();
    expect(within(bob).queryByText(/undo failed/)).toBeNull();
    const carol = screen.getByRole('row', { name: /^carol/ });
    expect(within(carol).getByText(/undo failed — left in force/).textContent).toMatch(
      /run_aws \(failed\)/,
    );
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    // The holder's link opens its run in the console.
    fireEvent.click(within(limiter).getByRole('link', { name: qs.runWaiting.id }));
    expect(await screen.findByRole('list', { name: 'Playbook states' })).toBeTruthy();
    expect(window.location.pathname).toBe(`/runs/${qs.runWaiting.id}`);
  });

  it('pages with "Load more", passing the cursor the API gave back as it was', async () => {
    const items = containmentItems(NOW(), qs.runWaiting.id);
    const fake = api(ANALYST, { containment: containmentRoute(items, { pageSize: 3 }) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('row', { name: /^alice/ });
    expect(screen.getAllByRole('row')).toHaveLength(1 + 3);
    expect(screen.queryByRole('row', { name: /^carol/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('row', { name: /^carol/ })).toBeTruthy();
    expect(
      screen.getAllByRole('row').map((r) => within(r).queryByRole('rowheader')?.textContent),
    ).toEqual([undefined, 'alice', 'key-demo', 'bob', 'carol']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    const asked = fake.requests.filter((r) => r.path.startsWith('/v1/containment'));
    expect(asked.map((r) => r.path)).toEqual([
      '/v1/containment',
      `/v1/containment?cursor=${encodeURIComponent('after=3&order=newest')}`,
    ]);
  });

  it('keeps the rows when a further page fails, says why, and asks for it again', async () => {
    const items = containmentItems(NOW(), qs.runWaiting.id);
    const paged = containmentRoute(items, { pageSize: 2 });
    let fail = true;
    const fake = api(ANALYST, {
      containment: (req) =>
        req.path.includes('cursor=') && fail
          ? { status: 503, json: { code: 'CORDON_ERR_UNAVAILABLE', message: 'Redis is down.' } }
          : paged(req),
    });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('row', { name: /^key-demo/ });
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not load more containment: Redis is down.',
    );
    expect(screen.getAllByRole('row')).toHaveLength(1 + 2);
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('row', { name: /^bob/ })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getAllByRole('row')).toHaveLength(1 + 4);
  });

  it("filters by connector, and shows the API's message for a name that is no connector", async () => {
    const fake = api(ANALYST);
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('row', { name: /^alice/ });
    const field = screen.getByLabelText('Connector');
    fireEvent.input(field, { target: { value: 'kong-staging' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'No connector "kong-staging" keeps containment. Name a builtin-limiter, kong, litellm-proxy or aws-apigateway connector from connectors/.',
    );
    expect(screen.queryByRole('table')).toBeNull();
    expect(field.getAttribute('aria-invalid')).toBe('true');
    fireEvent.input(field, { target: { value: ' kong-prod ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await screen.findByRole('row', { name: /^alice/ });
    expect(screen.getAllByRole('row')).toHaveLength(1 + 1);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(field.getAttribute('aria-invalid')).toBeNull();
    // The shared limiter answers to a builtin-limiter connector's name.
    fireEvent.input(field, { target: { value: 'limiter' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(screen.queryByRole('row', { name: /^alice/ })).toBeNull());
    expect(screen.getByRole('row', { name: /^key-demo/ })).toBeTruthy();
    expect(
      fake.requests.filter((r) => r.path.startsWith('/v1/containment')).map((r) => r.path),
    ).toEqual([
      '/v1/containment',
      '/v1/containment?connector=kong-staging',
      '/v1/containment?connector=kong-prod',
      '/v1/containment?connector=limiter',
    ]);
  });

  it('follows pages the API answers empty (lifted entries skipped) before saying nothing is contained', async () => {
    const items = containmentItems(NOW(), qs.runWaiting.id);
    const fake = api(ANALYST, { containment: containmentRoute(items, { lifted: 3 }) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('row', { name: /^alice/ });
    expect(screen.queryByText('Nothing is contained right now.')).toBeNull();
    expect(
      fake.requests.filter((r) => r.path.startsWith('/v1/containment')).map((r) => r.path),
    ).toEqual([
      '/v1/containment',
      '/v1/containment?cursor=lifted%3D1',
      '/v1/containment?cursor=lifted%3D2',
      '/v1/containment?cursor=lifted%3D3',
    ]);
  });

  it('says none found yet, not nothing contained, when every page it followed was empty', async () => {
    const items = containmentItems(NOW(), qs.runWaiting.id);
    const fake = api(ANALYST, { containment: containmentRoute(items, { lifted: 12 }) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect(
      await screen.findByText('None found yet among the entries looked at; more may follow.'),
    ).toBeTruthy();
    expect(screen.queryByText('Nothing is contained right now.')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByRole('row', { name: /^alice/ });
  });

  it('says an expiry whose undo has not run yet is due, not a time it lifted', async () => {
    const [item] = containmentItems(NOW(), qs.runWaiting.id);
    const due = { ...item!, key: 'overdue', expiresAt: NOW() - 2 * 60_000 };
    const fake = api(ANALYST, { containment: containmentRoute([due]) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const row = await screen.findByRole('row', { name: /^overdue/ });
    expect(within(row).getByTitle(/its expiry passed/).textContent).toBe('due 2 min ago');
  });

  it('names the person who set a limit by hand rather than linking a run', async () => {
    const [item] = containmentItems(NOW(), qs.runWaiting.id).filter((i) => i.connector === null);
    const byHand = {
      ...item!,
      key: 'by-hand',
      holders: [{ ...item!.holders[0]!, run: 'analyst', runStatus: 'unknown' }],
    };
    const fake = api(ANALYST, { containment: containmentRoute([byHand]) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const row = await screen.findByRole('row', { name: /^by-hand/ });
    expect(within(row).getByText('set by analyst')).toBeTruthy();
    expect(within(row).queryByRole('link')).toBeNull();
    expect(within(row).getByText('on release')).toBeTruthy();
  });

  it('says when nothing is contained, and names the connector filtered on', async () => {
    const fake = api(ANALYST, { containment: containmentRoute([], { limiters: ['limiter'] }) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    expect(await screen.findByText('Nothing is contained right now.')).toBeTruthy();
    fireEvent.input(screen.getByLabelText('Connector'), { target: { value: 'limiter' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    expect(
      await screen.findByText('Connector limiter keeps nothing contained right now.'),
    ).toBeTruthy();
  });
  it("offers no Lift… to an analyst, and none on an outbound gateway's rows", async () => {
    const fake = api(ANALYST);
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    await screen.findByRole('row', { name: /^key-demo/ });
    expect(screen.queryByRole('button', { name: /^Lift/ })).toBeNull();
    cleanup();
    render(<App env={testEnv(api(APPROVER).fetch, { now: NOW })} />);
    const limiter = await screen.findByRole('row', { name: /^key-demo/ });
    expect(within(limiter).getByRole('button', { name: 'Lift key-demo…' })).toBeTruthy();
    expect(within(limiter).getByRole('button').textContent).toBe('Lift…');
    for (const key of ['alice', 'bob', 'carol'])
      expect(
        within(screen.getByRole('row', { name: new RegExp(`^${key}`) })).queryByRole('button'),
      ).toBeNull();
    expect(screen.getAllByRole('button', { name: /^Lift/ })).toHaveLength(1);
  });

  it('lets a responder lift a limiter key with a comment, then lists again and says what happened', async () => {
    const contained = containmentItems(NOW(), qs.runWaiting.id);
    const [, limiter] = contained;
    // A key that must be escaped in the path, blocked as well as throttled: both rows lift.
    const odd = { ...limiter!, key: 'tenant/a b' };
    contained.splice(2, 0, odd, { ...odd, kind: 'block' });
    const fake = api(APPROVER, { contained });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const rows = await screen.findAllByRole('row', { name: /^tenant\/a b/ });
    expect(rows).toHaveLength(2);
    const opener = within(rows[0]!).getByRole('button', { name: 'Lift tenant/a b…' });
    fireEvent.click(opener);
    const dialog = await screen.findByRole('alertdialog', {
      name: 'Lift every limit on tenant/a b now?',
    });
    expect(dialog.getAttribute('aria-describedby')).toBe('lift-what');
    expect(dialog.textContent).toMatch(
      /^Lift every limit on tenant\/a b now\? The runs that set them will have nothing to undo\./,
    );
    const comment = within(dialog).getByLabelText('Why? (required)');
    await waitFor(() => expect(document.activeElement).toBe(comment));
    // No comment, or only spaces: nothing is sent.
    const lift = within(dialog).getByRole('button', { name: 'Lift every limit' });
    fireEvent.click(lift);
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'Say why: a comment is required to lift a limit.',
    );
    fireEvent.input(comment, { target: { value: '   ' } });
    fireEvent.click(lift);
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
    expect(screen.getByRole('alertdialog')).toBe(dialog);
    const listed = fake.requests.filter((r) => r.path.startsWith('/v1/containment')).length;
    fireEvent.input(comment, { target: { value: '  false positive: load test  ' } });
    fireEvent.click(lift);
    // The note says what happened, and takes the focus (the row it was opened from is gone).
    const note = await screen.findByText('Lifted tenant/a b.');
    expect(note.getAttribute('role')).toBe('status');
    await waitFor(() => expect(document.activeElement).toBe(note));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.path).toBe('/v1/limiter/keys/tenant%2Fa%20b/clear');
    expect(posts[0]!.body).toEqual({ comment: 'false positive: load test' });
    expect(posts[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(posts[0]!.headers['content-type']).toBe('application/json');
    // One Idempotency-Key per confirmation: a retry after a lost answer lifts nothing more.
    expect(posts[0]!.headers['idempotency-key']).toMatch(/^lift-[0-9a-f]{32}$/);
    // The list was asked again and no longer has the key.
    await waitFor(() => expect(screen.queryByRole('row', { name: /^tenant\/a b/ })).toBeNull());
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/containment')).length).toBe(
      listed + 1,
    );
    expect(screen.getByRole('row', { name: /^key-demo/ })).toBeTruthy();
  });

  it('says nothing was in force when the key had no limit left', async () => {
    const fake = api(APPROVER, { lift: limiterClearRoute([], APPROVER) });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const row = await screen.findByRole('row', { name: /^key-demo/ });
    fireEvent.click(within(row).getByRole('button', { name: 'Lift key-demo…' }));
    const dialog = await screen.findByRole('alertdialog');
    fireEvent.input(within(dialog).getByLabelText('Why? (required)'), {
      target: { value: 'done by hand' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Lift every limit' }));
    expect(await screen.findByText('Nothing was in force on key-demo any more.')).toBeTruthy();
    expect(screen.queryByText(/^Lifted/)).toBeNull();
  });

  it('says a lift worked even when the list after it fails to load', async () => {
    let lists = 0;
    const contained = containmentItems(NOW(), qs.runWaiting.id);
    const route = containmentRoute(contained);
    const fake = api(APPROVER, {
      contained,
      containment: (req) => {
        lists += 1;
        return lists === 1
          ? route(req)
          : { status: 503, json: { code: 'CORDON_ERR_API_UNAVAILABLE', message: 'Redis down' } };
      },
    });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const row = await screen.findByRole('row', { name: /^key-demo/ });
    fireEvent.click(within(row).getByRole('button', { name: 'Lift key-demo…' }));
    const dialog = await screen.findByRole('alertdialog');
    fireEvent.input(within(dialog).getByLabelText('Why? (required)'), {
      target: { value: 'false positive' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Lift every limit' }));
    const note = await screen.findByText('Lifted key-demo.');
    expect(await screen.findByText(/Redis down/)).toBeTruthy();
    expect(note.isConnected).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(note));
  });

  it('holds the dialog while its lift is on the way, and a retry after an error sends the same Idempotency-Key', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const inner = api(APPROVER, {
      lift: () => {
        calls += 1;
        return calls === 1
          ? { status: 503, json: { code: 'CORDON_ERR_API_UNAVAILABLE', message: 'Redis down' } }
          : {
              json: {
                key: 'key-demo',
                existed: true,
                repeated: false,
                by: 'approver',
                effect: 'man_1',
              },
            };
      },
    });
    const gated: typeof inner.fetch = async (input, init) => {
      if (init?.method === 'POST') await new Promise<void>((r) => (release = r));
      return inner.fetch(input, init);
    };
    open('/containment');
    render(<App env={testEnv(gated, { now: NOW })} />);
    const row = await screen.findByRole('row', { name: /^key-demo/ });
    fireEvent.click(within(row).getByRole('button', { name: 'Lift key-demo…' }));
    const dialog = await screen.findByRole('alertdialog');
    const comment = within(dialog).getByLabelText('Why? (required)');
    fireEvent.input(comment, { target: { value: 'false positive' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Lift every limit' }));
    await waitFor(() =>
      expect(within(dialog).getByRole('button', { name: 'Keep the limits' })).toHaveProperty(
        'disabled',
        true,
      ),
    );
    fireEvent.keyDown(comment, { key: 'Escape' });
    expect(screen.getByRole('alertdialog')).toBe(dialog);
    release();
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/Redis down/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Lift every limit' }));
    await waitFor(() => expect(inner.requests.filter((r) => r.method === 'POST')).toHaveLength(1));
    release();
    expect(await screen.findByText('Lifted key-demo.')).toBeTruthy();
    const keys = inner.requests
      .filter((r) => r.method === 'POST')
      .map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it("keeps the dialog open with the API's message when a lift fails, and closes it with Escape, focus back on Lift…", async () => {
    const fake = api(APPROVER, {
      lift: () => ({
        status: 503,
        json: { code: 'CORDON_ERR_UNAVAILABLE', message: 'Redis is down.' },
      }),
    });
    open('/containment');
    render(<App env={testEnv(fake.fetch, { now: NOW })} />);
    const row = await screen.findByRole('row', { name: /^key-demo/ });
    const opener = within(row).getByRole('button', { name: 'Lift key-demo…' });
    fireEvent.click(opener);
    const dialog = await screen.findByRole('alertdialog');
    const comment = within(dialog).getByLabelText('Why? (required)');
    fireEvent.input(comment, { target: { value: 'false positive' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Lift every limit' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'Redis is down. (CORDON_ERR_UNAVAILABLE)',
    );
    expect(screen.getByRole('alertdialog')).toBe(dialog);
    expect((comment as HTMLTextAreaElement).value).toBe('false positive');
    expect(within(dialog).getByRole('button', { name: 'Lift every limit' })).toHaveProperty(
      'disabled',
      false,
    );
    expect(screen.queryByText(/^Lifted|^Nothing was in force/)).toBeNull();
    fireEvent.keyDown(comment, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(opener));
    // "Keep the limits" closes it as well, and nothing was lifted.
    fireEvent.click(opener);
    fireEvent.click(
      within(await screen.findByRole('alertdialog')).getByRole('button', {
        name: 'Keep the limits',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(opener));
    expect(screen.getByRole('row', { name: /^key-demo/ })).toBeTruthy();
  });
});
