import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { schemaText } from '../../../src/schemas/index.js';
import { buildFile } from '../playbook/kinds/helpers.js';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(schemaText('playbook') ?? '{}'),
);

function errors(states: Record<string, unknown>): string {
  return validate({ id: 'p', on: { correlation: 'r' }, start: 'par', states })
    ? ''
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('\n');
}

const THROTTLE = {
  action: 'ratelimit.set',
  automatic: true,
  with: { key: 'k', limit: '10/m' },
  next: 'a_done',
};
const branches = (a: Record<string, unknown> = THROTTLE): Record<string, unknown> => ({
  a: { start: 'act', states: { act: a, a_done: { end: 'resolved' } } },
  b: { start: 'b_done', states: { b_done: { end: 'resolved' } } },
});
const withParallel = (parallel: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  errors({ par: { parallel, next: 'done', ...extra }, done: { end: 'resolved' } });

describe('the parallel state and undo keys in the playbook schema', () => {
  it('accepts both joins, on_failure, and the shipped parallel fixture the validator accepts', () => {
    expect(withParallel({ join: 'all', branches: branches() })).toBe('');
    expect(withParallel({ join: 'any', branches: branches() }, { on_failure: 'done' })).toBe('');
    expect(withParallel({ branches: branches() })).toBe('');
    // The validator builds it too: schema and validator agree on it.
    expect(buildFile('test/fixtures/playbooks/valid/parallel-and-undo.yaml').definition.id).toBe(
      'parallel-and-undo',
    );
  });

  it('refuses a bad join, one branch, a branch without start, unknown keys and bad nested states', () => {
    expect(withParallel({ join: 'some', branches: branches() })).toMatch(/join.*allowed values/);
    const one = { a: branches().a };
    expect(withParallel({ branches: one })).toMatch(/must NOT have fewer than 2 properties/);
    const noStart = { ...branches(), c: { states: { c_done: { end: 'resolved' } } } };
    expect(withParallel({ branches: noStart })).toMatch(/must have required property 'start'/);
    expect(withParallel({ branches: branches(), wait: 'all' })).toMatch(/additional properties/);
    expect(withParallel({ branches: branches() }, { on_timeout: 'done' })).toMatch(
      /additional properties/,
    );
    // Branch states are checked by their kinds' own fragments: a typo in an action's input,
    expect(
      withParallel({ branches: branches({ ...THROTTLE, with: { key: 'k', limt: '1/m' } }) }),
    ).toMatch(/branches\/a\/states\/act\/with must have required property 'limit'/);
    // and a parallel inside a branch is refused, as the validator refuses it.
    expect(
      withParallel({
        branches: branches({ parallel: { branches: branches() }, next: 'a_done' }),
      }),
    ).not.toBe('');
  });

  it('knows undo as a name or { action, with }, expires and undo_on_reject', () => {
    const act = (extra: Record<string, unknown>) =>
      errors({
        par: {
          action: 'ratelimit.set',
          automatic: true,
          with: { key: 'k', limit: 'block' },
          next: 'done',
          ...extra,
        },
        done: { end: 'resolved' },
      });
    expect(act({ undo: 'ratelimit.clear', expires: '1h', undo_on_reject: true })).toBe('');
    expect(act({ undo: { action: 'ratelimit.clear', with: { key: 'k', reason: 'r' } } })).toBe('');
    expect(act({ undo: { action: 'ratelimit.clear', wiht: {} } })).toMatch(/additional properties/);
    expect(act({ undo: { with: {} } })).toMatch(/required property 'action'/);
    expect(act({ undo: 'ratelimit.clear', expires: 'soon' })).toMatch(/expires must match pattern/);
    expect(act({ undo: 'ratelimit.clear', undo_on_reject: 'yes' })).toMatch(/must be boolean/);
    // Asking to be undone with no undo is refused, as by the validator.
    expect(act({ expires: '1h' })).toMatch(/must have property undo when property expires/);
  });
});
