import { describe, expect, it } from 'vitest';
import { containmentPath, createApi, liftLimit } from '../../src/console/ui/lib/api';
import { cumulativeSteps, sparklinePath, stepPath } from '../../src/console/ui/lib/chart';
import {
  appendPage,
  holdersText,
  kindText,
  liftedText,
  liftsWhen,
  undoFailed,
  whereText,
} from '../../src/console/ui/lib/containment';
import { layoutGraph, markStates, parseMermaid } from '../../src/console/ui/lib/graph';
import {
  whyNoDecision,
  canCancel,
  canLiftLimits,
  canRetry,
  canRetryUndo,
  failedUndos,
} from '../../src/console/ui/lib/roles';
import { describeEntry } from '../../src/console/ui/pages/run';
import { takeToken } from '../../src/console/ui/lib/session';
import { SseParser } from '../../src/console/ui/lib/sse';
import { absoluteUtc, formatDuration, formatTime } from '../../src/console/ui/lib/time';
import { filterIncidents } from '../../src/console/ui/pages/incidents';
import { atlasTechniques } from '../../src/console/ui/pages/incident';
import type { Containment, ContainmentHolder } from '../../src/console/ui/lib/types';
import { containmentItems, quickStart } from './fixtures';

const qs = quickStart();

describe('SseParser', () => {
  const stream =
    ': ping\n\nid: 1-0\nevent: incident\ndata: {"id":"inc_1"}\n\n' +
    'retry: 5000\nevent: approval\ndata: {"a":\ndata: 1}\nid: 2-0\n\n' +
    'data: no event name\r\n\r\n';

  it('reads events, ids, multi-line data and retry in any chunking', () => {
    const whole = new SseParser().push(stream);
    expect(whole).toEqual([
      { event: 'incident', data: '{"id":"inc_1"}', id: '1-0' },
      { event: 'approval', data: '{"a":\n1}', id: '2-0' },
      { event: 'message', data: 'no event name', id: '2-0' },
    ]);
    for (const size of [1, 2, 3, 7, 13]) {
      const parser = new SseParser();
      const got = [];
      for (let i = 0; i < stream.length; i += size)
        got.push(...parser.push(stream.slice(i, i + size)));
      expect(got).toEqual(whole);
      expect(parser.retryMs).toBe(5000);
      expect(parser.lastEventId).toBe('2-0');
    }
  });

  it('keeps an unfinished event until its blank line', () => {
    const p = new SseParser();
    expect(p.push('event: run\ndata: {}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'run', data: '{}', id: undefined }]);
  });
});

describe('time format', () => {
  const now = Date.UTC(2026, 11, 3, 9, 30, 0);
  it('is relative within a day, absolute UTC beyond, exact UTC in the title', () => {
    expect(formatTime(now - 2_000, now).text).toBe('just now');
    expect(formatTime(now - 4 * 60_000, now).text).toBe('4 min ago');
    expect(formatTime(now - (3 * 3600_000 + 5 * 60_000), now).text).toBe('3 h 5 min ago');
    expect(formatTime(now + 12 * 60_000, now).text).toBe('in 12 min');
    expect(formatTime(now - 2 * 86_400_000, now).text).toBe('1 Dec 2026, 09:30 UTC');
    const t = formatTime(now - 60_000, now);
    expect(t.iso).toBe('2026-12-03T09:29:00.000Z');
    expect(t.title).toBe('3 Dec 2026, 09:29:00 UTC');
    expect(absoluteUtc(Date.UTC(2027, 0, 9, 7, 5, 3), true)).toBe('9 Jan 2027, 07:05:03 UTC');
  });
  it('has one duration format', () => {
    expect([850, 42_000, 12 * 60_000, 3 * 3600_000, 50 * 3600_000].map(formatDuration)).toEqual([
      '850 ms',
      '42 s',
      '12 min',
      '3 h',
      '2 d 2 h',
    ]);
  });
});

describe('playbook graph', () => {
  const graph = parseMermaid(qs.graph.mermaid);
  it("reads the API's Mermaid diagram back into states and transitions", () => {
    expect(graph.start).toBe('throttle');
    expect(graph.nodes.map((n) => n.name)).toEqual([
      'throttle',
      'ask_case',
      'open_case',
      'escalate',
      'ask_block',
      'block_key',
      'done',
      'closed_without_case',
      'failed',
    ]);
    const byName = new Map(graph.nodes.map((n) => [n.name, n]));
    expect(byName.get('escalate')?.kind).toBe('choice');
    expect(byName.get('done')?.kind).toBe('final');
    expect(byName.get('failed')?.kind).toBe('failed');
    expect(byName.get('ask_case')?.note).toBe('approval by approver');
    expect(byName.get('ask_case')?.classes).toEqual(['approval']);
    expect(graph.edges).toContainEqual({ from: 'ask_case', to: 'open_case', label: 'approved' });
    expect(graph.edges.some((e) => e.to === '[*]')).toBe(false);
  });

  it('lays states out in layers: every forward transition goes down, no two nodes overlap', () => {
    const layout = layoutGraph(graph);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const e of layout.edges.filter((x) => !x.back))
      expect(at.get(e.to)!.layer).toBeGreaterThan(at.get(e.from)!.layer);
    expect(at.get('throttle')!.layer).toBe(0);
    const spots = new Set(layout.nodes.map((n) => `${n.x},${n.y}`));
    expect(spots.size).toBe(layout.nodes.length);
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.x + 150).toBeLessThanOrEqual(layout.width + 0.001);
    }
  });

  it('marks a back edge in a loop and still layers the rest', () => {
    const loop = parseMermaid(
      'stateDiagram-v2\n  [*] --> a\n  a --> b : x\n  b --> a : again\n  b --> c : ok\n',
    );
    const layout = layoutGraph(loop);
    expect(layout.edges.filter((e) => e.back)).toEqual([
      { from: 'b', to: 'a', label: 'again', back: true },
    ]);
    expect(layout.nodes.map((n) => [n.id, n.layer])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('skips the inside of a parallel state (one node)', () => {
    const g = parseMermaid(
      'stateDiagram-v2\n  state "fan" as fan {\n    state "left" as fan__left {\n      [*] --> l1\n    }\n  }\n  [*] --> fan\n  fan --> done : joined\n',
    );
    expect(g.nodes.map((n) => [n.id, n.kind])).toEqual([
      ['fan', 'parallel'],
      ['done', 'state'],
    ]);
    expect(g.start).toBe('fan');
  });

  it("marks the run's states: where it rests, where it has been", () => {
    const waiting = markStates(qs.runWaiting, qs.runWaiting.timeline);
    expect(waiting.get('ask_case')).toBe('current');
    expect(waiting.get('throttle')).toBe('visited');
    expect(waiting.get('open_case')).toBeUndefined();
    const resolved = markStates(qs.runResolved, qs.runResolved.timeline);
    expect(resolved.get('done')).toBe('current');
    expect(resolved.get('open_case')).toBe('visited');
    const failed = markStates({ state: 'open_case', status: 'failed' }, qs.runWaiting.timeline);
    expect(failed.get('open_case')).toBe('failed');
  });
});

describe('charts', () => {
  it('counts events over the window as steps', () => {
    expect(cumulativeSteps([30, 10, 20, 99], 0, 50)).toEqual([
      { t: 0, count: 0 },
      { t: 10, count: 1 },
      { t: 20, count: 2 },
      { t: 30, count: 3 },
      { t: 50, count: 3 },
    ]);
    expect(
      stepPath([
        { x: 0, y: 10 },
        { x: 5, y: 8 },
      ]),
    ).toBe('M0 10H5V8');
    expect(sparklinePath([0, 2, 1], 10, 10)).toBe('M0 10L5 0L10 5');
  });
});

describe('sign-in token', () => {
  const place = (hash: string) => {
    const stored = new Map<string, string>();
    const urls: string[] = [];
    return {
      stored,
      urls,
      storage: {
        getItem: (k: string) => stored.get(k) ?? null,
        setItem: (k: string, v: string) => void stored.set(k, v),
        removeItem: (k: string) => void stored.delete(k),
      },
      location: { hash, pathname: '/approvals', search: '?x=1' },
      history: {
        replaceState: (_s: unknown, _t: string, url?: string | URL | null) =>
          void urls.push(String(url)),
      },
    };
  };
  it('takes the token from the fragment, keeps it, and removes it from the address', () => {
    const p = place('#token=abc123&tab=2');
    expect(takeToken(p)).toBe('abc123');
    expect(p.stored.get('cordon.token')).toBe('abc123');
    expect(p.urls).toEqual(['/approvals?x=1#tab=2']);
  });
  it('falls back to the stored token; none without either', () => {
    const p = place('');
    expect(takeToken(p)).toBeUndefined();
    p.stored.set('cordon.token', 'kept');
    expect(takeToken(p)).toBe('kept');
    expect(p.urls).toEqual([]);
  });
});

describe('roles', () => {
  const a = qs.approval;
  it('lets an approver decide, and says why others may not', () => {
    expect(
      whyNoDecision({ principal: 'alice', roles: ['approver', 'analyst'] }, a),
    ).toBeUndefined();
    expect(whyNoDecision({ principal: 'bob', roles: ['analyst'] }, a)).toMatch(
      /no role that decides/,
    );
    expect(whyNoDecision({ principal: 'ops', roles: ['admin'] }, a)).toMatch(
      /separation of duties/,
    );
    expect(whyNoDecision({ principal: 'carol', roles: ['ml-oncall'] }, a)).toMatch(
      /needs one of: approver/,
    );
    expect(whyNoDecision({ principal: a.initiator!, roles: ['approver'] }, a)).toMatch(
      /You started this run/,
    );
    expect(
      whyNoDecision(
        { principal: 'alice', roles: ['approver'] },
        {
          ...a,
          votes: [{ by: 'alice', role: 'approver', decision: 'approved', comment: '', at: 1 }],
          quorum: 2,
        },
      ),
    ).toMatch(/already voted/);
    expect(
      whyNoDecision({ principal: 'alice', roles: ['approver'] }, { ...a, status: 'approved' }),
    ).toBe('This approval is approved.');
  });
  it('lets responders and admins cancel a waiting run and retry a failed one', () => {
    const run = qs.runWaiting;
    expect(canCancel({ principal: 'r', roles: ['responder'] }, run)).toBe(true);
    expect(canCancel({ principal: 'a', roles: ['analyst', 'approver'] }, run)).toBe(false);
    expect(canCancel({ principal: 'r', roles: ['admin'] }, qs.runResolved)).toBe(false);
    expect(canRetry({ principal: 'r', roles: ['responder'] }, { ...run, status: 'failed' })).toBe(
      true,
    );
    expect(canRetry({ principal: 'r', roles: ['responder'] }, run)).toBe(false);
  });
  it("lets responders and admins lift the built-in limiter's limits, not analysts or approvers", () => {
    expect(canLiftLimits({ principal: 'r', roles: ['responder'] })).toBe(true);
    expect(canLiftLimits({ principal: 'o', roles: ['admin'] })).toBe(true);
    expect(canLiftLimits({ principal: 'a', roles: ['analyst', 'approver'] })).toBe(false);
    expect(canLiftLimits({ principal: 'g', roles: ['gateway', 'ingest'] })).toBe(false);
  });
  it('offers failed undos again to responders, not while the run is undoing', () => {
    const responder = { principal: 'r', roles: ['responder'] };
    const failed = {
      ...qs.runResolved,
      status: 'cancelled' as const,
      undo: { entries: [{ status: 'undone' }, { status: 'undo-failed' }] },
    };
    expect(failedUndos(failed)).toBe(1);
    expect(canRetryUndo(responder, failed)).toBe(true);
    expect(canRetryUndo({ principal: 'a', roles: ['analyst'] }, failed)).toBe(false);
    expect(canRetryUndo(responder, { ...failed, status: 'undoing' })).toBe(false);
    expect(canRetryUndo(responder, { ...failed, undo: { entries: [{ status: 'undone' }] } })).toBe(
      false,
    );
    expect(canRetryUndo(responder, qs.runResolved)).toBe(false);
  });
});

describe('incident filters and ATLAS', () => {
  const base = qs.incident;
  const items = [
    base,
    {
      ...base,
      id: 'inc_2',
      severity: 'critical',
      createdAt: base.createdAt + 1,
      group: { api_key: 'key-other' },
    },
    {
      ...base,
      id: 'inc_3',
      status: 'resolved' as const,
      rule: 'other_rule',
      createdAt: base.createdAt + 2,
    },
  ];
  it('filters by status, severity, rule and entity, newest first', () => {
    const all = { status: '', severity: '', rule: '', entity: '' };
    expect(filterIncidents(items, all).map((i) => i.id)).toEqual(['inc_3', 'inc_2', base.id]);
    expect(filterIncidents(items, { ...all, status: 'open' }).map((i) => i.id)).toEqual([
      'inc_2',
      base.id,
    ]);
    expect(filterIncidents(items, { ...all, severity: 'critical' }).map((i) => i.id)).toEqual([
      'inc_2',
    ]);
    expect(filterIncidents(items, { ...all, rule: 'other_rule' }).map((i) => i.id)).toEqual([
      'inc_3',
    ]);
    expect(filterIncidents(items, { ...all, entity: 'OTHER' }).map((i) => i.id)).toEqual(['inc_2']);
    expect(filterIncidents(items, { ...all, entity: 'api_key=key-demo' }).map((i) => i.id)).toEqual(
      ['inc_3', base.id],
    );
  });
  it('reads ATLAS technique ids from the tags', () => {
    expect(atlasTechniques(base.tags)).toEqual([
      'AML.T0024',
      'AML.T0024.002',
      'AML.T0040',
      'AML.T0034',
    ]);
    expect(atlasTechniques(['attack.t1078', 'atlas.AML.M0004'])).toEqual([]);
  });
});

describe('a run timeline in words', () => {
  it('says what an undo did, with what the holds decided, and why one failed', () => {
    expect(
      describeEntry({
        at: 1,
        type: 'undo.succeeded',
        state: 'throttle',
        operation: 'ratelimit.clear',
        message: 'this run’s hold on "alice" is taken back, but "alice" stays contained',
      }),
    ).toBe(
      'undo of throttle (ratelimit.clear) done: this run’s hold on "alice" is taken back, but "alice" stays contained',
    );
    expect(
      describeEntry({
        at: 1,
        type: 'undo.failed',
        state: 'block',
        operation: 'key.unblock',
        error: { code: 'CORDON_ERR_ACTION_UNAVAILABLE', message: 'Kong answered 503' },
      }),
    ).toBe('undo of block (key.unblock) failed: CORDON_ERR_ACTION_UNAVAILABLE: Kong answered 503');
    expect(
      describeEntry({
        at: 1,
        type: 'undo.retried',
        message: '1 undo that failed tried again by r',
      }),
    ).toBe('1 undo that failed tried again by r');
    expect(describeEntry({ at: 1, type: 'undo.started', effects: 2, reason: 'failed' })).toBe(
      'undoing 2 effect(s), newest first (failed)',
    );
    expect(describeEntry({ at: 1, type: 'undo.failed', state: 'throttle', reason: 'expiry' })).toBe(
      'undo of throttle failed (on expiry)',
    );
  });

  it('does not repeat the entry type the page shows beside it, and shows times as times', () => {
    expect(describeEntry({ at: 1, type: 'withdrawn' })).toBe('');
    expect(describeEntry({ at: 1, type: 'undo.queued', effectKey: 'act_1', jobId: 'j' })).toBe(
      'effectKey act_1, jobId j',
    );
    expect(describeEntry({ at: 1, type: 'expiry.set', effectKey: 'act_1', fireAt: 0 })).toMatch(
      /^expires: undone automatically at 1 Jan 1970, 00:00:00 UTC$/,
    );
  });
});

describe('containment in words', () => {
  const now = Date.UTC(2026, 11, 3, 9, 30, 0);
  const [alice, limiter, bob, carol] = containmentItems(now, 'run_w') as [
    Containment,
    Containment,
    Containment,
    Containment,
  ];
  const holder = (
    runStatus: string,
    expiresAt: number | null = null,
    undo: string | null = 'applied',
  ): ContainmentHolder => ({
    run: `run_${runStatus}`,
    runStatus,
    effect: `act_${runStatus}`,
    at: now,
    expiresAt,
    undo,
  });

  it('names where and what: the connector or the built-in limiter, the kind in words', () => {
    expect(whereText(alice)).toBe('kong-prod');
    expect(whereText(limiter)).toBe('built-in limiter');
    expect(['throttle', 'block', 'ratelimit', 'key', 'access', 'quarantine'].map(kindText)).toEqual(
      ['throttled', 'blocked', 'rate limited', 'key blocked', 'access denied', 'quarantine'],
    );
    expect([0, 1, 2].map(holdersText)).toEqual(['0 holders', '1 holder', '2 holders']);
  });

  it('flags a holder whose undo failed, whatever its run status; not one with no undo', () => {
    expect(
      ['undo-failed', 'applied', 'undoing', 'undone', null].map((undo) => undoFailed({ undo })),
    ).toEqual([true, false, false, false, false]);
  });

  it('lifts at its expiry; with none, on undo while a run may still undo it, else on release', () => {
    expect(liftsWhen(alice)).toEqual({ at: now + 55 * 60_000 });
    expect(liftsWhen(limiter)).toBe('on undo');
    // Ended with the undo failed: a retry of the undo lifts it.
    expect(liftsWhen(carol)).toBe('on undo');
    // A resolved run undoes nothing more; a person's limit (unknown) has no run to undo it.
    expect(liftsWhen(bob)).toBe('on release');
    expect(liftsWhen({ expiresAt: null, holders: [holder('unknown', null, null)] })).toBe(
      'on release',
    );
    // A cancelled run whose step declared no undo: nothing will take it back.
    expect(liftsWhen({ expiresAt: null, holders: [holder('cancelled', null, null)] })).toBe(
      'on release',
    );
    // An undo on expiry failed in a resolved run: a retry of the undo lifts it.
    expect(liftsWhen({ expiresAt: null, holders: [holder('resolved', null, 'undo-failed')] })).toBe(
      'on undo',
    );
    expect(liftsWhen({ expiresAt: null, holders: [] })).toBe('on release');
    // One holder kept for good keeps the target, whoever else may undo theirs.
    expect(liftsWhen({ expiresAt: null, holders: [holder('running'), holder('resolved')] })).toBe(
      'on release',
    );
    // A resolved holder whose hold expires goes by itself: the running one decides.
    expect(
      liftsWhen({ expiresAt: null, holders: [holder('running'), holder('resolved', now + 1)] }),
    ).toBe('on undo');
  });

  it('appends a page in order, once per target, with the newer answer for a repeated one', () => {
    const again = { ...bob, holders: [holder('cancelled')] };
    const rows = appendPage([alice, limiter, bob], [again, carol]);
    expect(rows.map((r) => r.key)).toEqual(['alice', 'key-demo', 'bob', 'carol']);
    expect(rows[2]).toBe(again);
    // The same key under another kind or connector is another target.
    const blocked = { ...limiter, kind: 'block' };
    expect(appendPage([limiter], [blocked, { ...limiter, connector: 'kong-prod' }])).toHaveLength(
      3,
    );
  });

  it('says what a lift did: lifted, or nothing in force any more', () => {
    expect(liftedText({ key: 'alice', existed: true })).toBe('Lifted alice.');
    expect(liftedText({ key: 'alice', existed: false })).toBe(
      'Nothing was in force on alice any more.',
    );
  });

  it('lifts a key by posting its comment as JSON to the key escaped in the path', async () => {
    const sent: { path: string; init: RequestInit | undefined }[] = [];
    const answer = {
      key: 'a/b c',
      existed: true,
      repeated: false,
      clearedAt: 1,
      by: 'r',
      effect: 'man_1',
    };
    const api = createApi('tok', async (path, init) => {
      sent.push({ path, init });
      return new Response(JSON.stringify(answer), { status: 200 });
    });
    expect(await liftLimit(api, 'a/b c', 'false positive', 'lift-1')).toEqual(answer);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/v1/limiter/keys/a%2Fb%20c/clear');
    expect(sent[0]!.init?.method).toBe('POST');
    expect(sent[0]!.init?.headers).toEqual({
      authorization: 'Bearer tok',
      accept: 'application/json',
      'content-type': 'application/json',
      'idempotency-key': 'lift-1',
    });
    expect(JSON.parse(sent[0]!.init?.body as string)).toEqual({ comment: 'false positive' });
  });

  it('asks for a page with only the query it has, each value escaped', () => {
    expect(containmentPath({})).toBe('/v1/containment');
    expect(containmentPath({ connector: '  ', cursor: null })).toBe('/v1/containment');
    expect(containmentPath({ connector: ' kong prod ', cursor: 'a=1&b/2', limit: 50 })).toBe(
      '/v1/containment?connector=kong%20prod&limit=50&cursor=a%3D1%26b%2F2',
    );
  });
});
