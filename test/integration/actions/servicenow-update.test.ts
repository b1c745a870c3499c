/**
 * ticket.update on ServiceNow: found by sys_id, number or the dedupe key ticket.open used
 * (correlation_id, re-checked because ServiceNow drops invalid query fragments silently),
 * work notes appended once across a retry after a timeout, states by name, the resolve data
 * policy reported, and the undo putting the state back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { servicenowFake } from '../../../src/demo/fakes/servicenow.js';

const PASSWORD = 'snow-update-password-9';
const snow = servicenowFake('cordon', PASSWORD);
let h: ConnectorHarness;

beforeAll(async () => {
  await snow.server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: snow\ntype: servicenow\nurl: ${snow.server.url}\nauth: { basic: { username: cordon, password: { env: SNOW_PW } } }\ntimeout: 300ms`,
    ),
    { SNOW_PW: PASSWORD },
  );
});

afterAll(async () => {
  await h.cleanup();
  await snow.server.stop();
});

async function open(dedupe: string): Promise<{ sysId: string; number: string }> {
  return (await h.run('servicenow', 'ticket.open', { summary: `Incident ${dedupe}`, dedupe })) as {
    sysId: string;
    number: string;
  };
}
const incident = (sysId: string) => snow.incidents.find((i) => i.sys_id === sysId);

describe('ticket.update on ServiceNow', () => {
  it('finds the incident by the dedupe key, appends a work note and moves its state; the undo restores it', async () => {
    const opened = await open('upd-1');
    const result = await h.run('servicenow', 'ticket.update', {
      dedupe: 'upd-1',
      note: 'Key throttled at the gateway.',
      state: 'in_progress',
    });
    expect(result).toEqual({
      sysId: opened.sysId,
      number: opened.number,
      noted: true,
      previousState: '1',
      state: '2',
    });
    expect(incident(opened.sysId)?.state).toBe('2');
    expect(incident(opened.sysId)?.work_notes).toHaveLength(1);
    expect(incident(opened.sysId)?.work_notes[0]).toMatch(
      /^Key throttled at the gateway\.\n\[cordon:[0-9a-f]{12}\]$/,
    );
    await h.run(
      'servicenow',
      'ticket.restore',
      {},
      { undoOf: { effectKey: 'e', operation: 'ticket.update', inputs: {}, result } },
    );
    expect(incident(opened.sysId)?.state).toBe('1');
  });

  it('by number: an answer widened by a dropped query fragment is not updated', async () => {
    const opened = await open('upd-2');
    // What ServiceNow returns when the number condition is silently dropped: other incidents.
    const other = snow.incidents.find((i) => i.sys_id !== opened.sysId);
    snow.server.failNext({ status: 200, body: { result: [{ ...other, work_notes: '' }] } });
    const err = (await h
      .run('servicenow', 'ticket.update', { ticket: opened.number, note: 'x' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('other incident(s), ignored');
    expect(snow.incidents.every((i) => i.work_notes.length <= 1)).toBe(true);
    expect(other?.work_notes.some((n) => n.startsWith('x\n'))).toBe(false);
    // Without the widening, the number finds it.
    await h.run('servicenow', 'ticket.update', { ticket: opened.number, note: 'by number' });
    expect(incident(opened.sysId)?.work_notes).toHaveLength(1);
  });

  it('appends the note once when the PATCH timed out after ServiceNow wrote it', async () => {
    const opened = await open('upd-3');
    const effectKey = 'effect-snow-note-retry';
    // The look-up answers; the PATCH lands but answers too late (not re-sent in-call).
    snow.server.delayNext(0);
    snow.server.delayNext(800);
    await expect(
      h.run(
        'servicenow',
        'ticket.update',
        { ticket: opened.sysId, note: 'Rolled back.', state: 'on_hold' },
        { effectKey },
      ),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_TIMEOUT' });
    await new Promise((r) => setTimeout(r, 600));
    expect(incident(opened.sysId)?.work_notes).toHaveLength(1);
    const result = await h.run(
      'servicenow',
      'ticket.update',
      { ticket: opened.sysId, note: 'Rolled back.', state: 'on_hold' },
      { effectKey },
    );
    expect(result).toMatchObject({ state: '3', previousState: '1' });
    expect(incident(opened.sysId)?.work_notes).toHaveLength(1);
    expect(incident(opened.sysId)?.state).toBe('3');
  });

  it('reports the resolve data policy (403) with its detail, and resolves with the codes given', async () => {
    const opened = await open('upd-4');
    const err = (await h
      .run('servicenow', 'ticket.update', { ticket: opened.sysId, state: 'resolved' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_UNAUTHORIZED');
    expect(err.message).toContain('Resolution code');
    expect(err.message).not.toContain(PASSWORD);
    await h.run('servicenow', 'ticket.update', {
      ticket: opened.sysId,
      state: 'resolved',
      close_code: 'Solution provided',
      close_notes: 'Key rotated by the owner.',
    });
    expect(incident(opened.sysId)).toMatchObject({ state: '6', active: 'false' });
  });

  it('retries a 429 with Retry-After, and refuses bad inputs before calling', async () => {
    const opened = await open('upd-5');
    const n = h.sleeps.length;
    snow.server.failNext({
      status: 429,
      headers: { 'retry-after': '4', 'x-ratelimit-rule': 'per-user' },
      body: { error: { message: 'Rate limit exceeded', detail: null }, status: 'failure' },
    });
    await h.run('servicenow', 'ticket.update', { ticket: opened.sysId, state: 'on_hold' });
    expect(h.sleeps.slice(n)).toContain(4000);
    const sent = snow.server.requests.length;
    await expect(
      h.run('servicenow', 'ticket.update', { ticket: opened.sysId, state: 'sleeping' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    await expect(
      h.run('servicenow', 'ticket.update', { ticket: opened.sysId, dedupe: 'x', note: 'n' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    await expect(
      h.run('servicenow', 'ticket.update', { ticket: 'INC0010001^ORDERBYnumber', note: 'n' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_INPUT' });
    expect(snow.server.requests.length).toBe(sent);
  });

  it("reports an unknown sys_id as rejected with ServiceNow's message", async () => {
    await expect(
      h.run('servicenow', 'ticket.update', { ticket: 'f'.repeat(32), note: 'n' }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_REJECTED',
      message: expect.stringContaining('No Record found') as unknown,
    });
  });
});
