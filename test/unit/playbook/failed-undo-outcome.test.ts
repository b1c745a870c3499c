import { describe, expect, it } from 'vitest';
import { failedUndoOutcome } from '../../../src/playbook/runtime/undo-events.js';

describe('failedUndoOutcome', () => {
  it('reads the code the action worker put before its last attempt’s message', () => {
    expect(failedUndoOutcome('CORDON_ERR_ACTION_UNAUTHORIZED: Kong said 401: bad token')).toEqual({
      ok: false,
      code: 'CORDON_ERR_ACTION_UNAUTHORIZED',
      message: 'Kong said 401: bad token',
    });
    expect(failedUndoOutcome('CORDON_ERR_ACTION_TIMEOUT: no answer\nin 10 s')).toMatchObject({
      code: 'CORDON_ERR_ACTION_TIMEOUT',
      message: 'no answer\nin 10 s',
    });
  });

  it('keeps the whole reason under the generic code when it names no known code', () => {
    for (const reason of [
      'job stalled more than allowable limit',
      'CORDON_ERR_NOT_A_CODE: made up',
      'see CORDON_ERR_ACTION_UNAUTHORIZED: not at the start',
    ])
      expect(failedUndoOutcome(reason)).toEqual({
        ok: false,
        code: 'CORDON_ERR_ACTION_FAILED',
        message: reason,
      });
    expect(failedUndoOutcome(undefined)).toEqual({
      ok: false,
      code: 'CORDON_ERR_ACTION_FAILED',
      message: 'the undo job failed',
    });
  });
});
