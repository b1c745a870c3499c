import { describe, expect, it } from 'vitest';
import { withoutCommand } from '../../../src/api/error-handler.js';

describe('withoutCommand', () => {
  it("keeps a Redis error's class, message and stack, and its command's name only", () => {
    class ReplyError extends Error {}
    const err = Object.assign(new ReplyError('OOM command not allowed'), {
      command: { name: 'evalsha', args: ['sha', '6', 'lim:rule:sk-live-SECRET', 'sk-live-SECRET'] },
    });
    const logged = withoutCommand(err);
    expect(logged).toBeInstanceOf(ReplyError);
    expect(logged.message).toBe('OOM command not allowed');
    expect(logged.stack).toBe(err.stack);
    expect((logged as unknown as { command: unknown }).command).toEqual({ name: 'evalsha' });
    expect(JSON.stringify(logged)).not.toContain('SECRET');
    // The error the caller holds is left as it was.
    expect(err.command.args).toHaveLength(4);
  });

  it('passes an error without a command through', () => {
    const err = new Error('boom');
    expect(withoutCommand(err)).toBe(err);
  });
});
