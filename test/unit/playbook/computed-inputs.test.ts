import { describe, expect, it } from 'vitest';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { PlaybookContext } from '../../../src/playbook/definition/types.js';
import type { ActionStateDefinition } from '../../../src/playbook/kinds/action/action-definition.js';
import { prepareAction } from '../../../src/playbook/kinds/action/action-runtime.js';
import { renderValue } from '../../../src/playbook/template.js';
import type { RunContext } from '../../../src/playbook/definition/compile-playbook.js';

/** Computed action inputs (`${{ <CEL> }}`): type-checked where written, computed like templates. */
const CTX: PlaybookContext = {
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
    ['hook', 'http'],
  ]),
  rules: new Map([['model_extraction_by_query_volume', ['api_key', 'model']]]),
};

/** Line 7 is the first state's key. */
function playbook(states: string): string {
  return `apiVersion: cordon/v1\nid: test\non:\n  correlation: [model_extraction_by_query_volume]\nstart: first\nstates:\n${states}\n  done:\n    end: resolved\n`;
}

function build(text: string): ReturnType<typeof buildPlaybooks> {
  return buildPlaybooks([{ file: 'p.yaml', text }], CTX);
}

function errors(text: string): { code: string; line?: number; column?: number; message: string }[] {
  return build(text).diagnostics.filter((d) => d.severity === 'error');
}

const THROTTLE_WITH = (limit: string, extra = ''): string =>
  [
    '  first:', //                                                        line 7
    '    action: ratelimit.set', //                                       line 8
    '    automatic: true',
    '    undo: ratelimit.clear',
    '    with:', //                                                       line 11
    '      key: "{{ incident.group.api_key }}"', //                       line 12
    `      limit: '${limit}'`, //                                          line 13
    extra,
    '    next: done',
  ]
    .filter((l) => l !== '')
    .join('\n');

const context = (incident: Record<string, unknown>): RunContext => ({
  incident,
  run: { id: 'r1', playbook: 'test', startedAt: 0 },
  steps: { first: { status: 'succeeded', result: { expiresAt: 5 }, attempts: 1 } },
  approvals: {},
  gate: null,
});

describe('validation of computed inputs', () => {
  it('accepts a computed value of the input type and compiles it', () => {
    const text = playbook(
      THROTTLE_WITH(
        '${{ incident.severity == "critical" ? "block" : "10/m" }}',
        `      expires: '\${{ incident.matchCount > 3.0 ? duration("24h") : duration("1h") }}'`,
      ),
    );
    const built = build(text);
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const def = built.playbooks?.[0]?.states.first as ActionStateDefinition;
    expect(def.inputs.limit).toContain('${{');
  });

  it('reports an unknown field at its line and column inside the expression, with the fix', () => {
    const found = errors(
      playbook(THROTTLE_WITH('${{ incident.sevrity == "critical" ? "block" : "10/m" }}')),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'CORDON_ERR_PLAYBOOK_EXPRESSION', line: 13 });
    // limit: '${{ incident.sevrity …: the quote is column 14, "incident" starts 4 later, the
    // misspelt key after "incident." (cel-js points at the dot).
    expect(found[0]!.column).toBeGreaterThan(14 + 4);
    expect(found[0]!.message).toContain('State "first" input "limit"');
    expect(found[0]!.message).toContain('"sevrity"');
    expect(found[0]!.message).toContain('did you mean "severity"');
  });

  it('refuses a value of the wrong type for the operation input', () => {
    const found = errors(playbook(THROTTLE_WITH('${{ incident.matchCount * 2.0 }}')));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'CORDON_ERR_PLAYBOOK_EXPRESSION', line: 13 });
    expect(found[0]!.message).toContain('yields double, but this place needs a string');
  });

  it('refuses reading its own step before it ran, and an unknown step', () => {
    const own = errors(
      playbook(THROTTLE_WITH('${{ steps.first.status == "succeeded" ? "block" : "10/m" }}')),
    );
    expect(own).toHaveLength(1);
    expect(own[0]!.message).toContain('"first"');
    const unknown = errors(playbook(THROTTLE_WITH('${{ steps.nope.status }}')));
    expect(unknown[0]!.code).toBe('CORDON_ERR_PLAYBOOK_EXPRESSION');
  });

  it('refuses a variable outside incident, steps and run, and a syntax error', () => {
    expect(errors(playbook(THROTTLE_WITH('${{ process.env.HOME }}')))[0]!.message).toContain(
      'expressions read only incident, steps, run and connectors',
    );
    expect(errors(playbook(THROTTLE_WITH('${{ "10/m" + }}')))[0]!.code).toBe(
      'CORDON_ERR_PLAYBOOK_EXPRESSION',
    );
  });

  it('refuses "${{" inside other text, saying a computed value is the whole string', () => {
    const found = errors(playbook(THROTTLE_WITH('limit ${{ "10/m" }}')));
    expect(found.map((d) => d.code)).toEqual(['CORDON_ERR_PLAYBOOK_EXPRESSION']);
    expect(found[0]!.message).toContain('not one whole computed value');
  });

  it('wants text from a computed approval message', () => {
    const text = playbook(
      [
        '  first:',
        '    approval:',
        '      timeout: 1h',
        "      message: '${{ incident.tags }}'",
        '    on: { approved: done, rejected: done }',
      ].join('\n'),
    );
    const found = errors(text);
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain('yields list<string>, but this place needs text');
  });

  it('checks computed values nested in a JSON body, and computes them there', () => {
    const body = (expr: string) =>
      playbook(
        [
          '  first:', //                                          line 7
          '    action: http.request',
          '    automatic: true',
          '    with:',
          '      method: POST',
          '      url: /hook',
          '      body:',
          `        tags: '${expr}'`, //                         line 14
          '        id: "{{ incident.id }}"',
          '    next: done',
        ].join('\n'),
      );
    const bad = errors(body('${{ incident.tagz }}'));
    expect(bad.map((d) => [d.code, d.line])).toEqual([['CORDON_ERR_PLAYBOOK_EXPRESSION', 14]]);
    const built = build(body('${{ incident.tags.size() > 0 ? incident.tags : ["none"] }}'));
    const def = built.playbooks?.[0]?.states.first as ActionStateDefinition;
    const r = prepareAction(def, context({ id: 'i1', tags: ['a'] }), 'first');
    expect(r.ok && r.gated.inputs.body).toEqual({ tags: ['a'], id: 'i1' });
  });

  it('checks computed values in approval messages', () => {
    const text = playbook(
      [
        '  first:',
        '    approval:',
        '      timeout: 1h',
        '      message: \'${{ "Block " + incident.group.apikey + "?" }}\'',
        '    on: { approved: done, rejected: done }',
      ].join('\n'),
    );
    const found = errors(text);
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain('did you mean "api_key"');
  });
});

describe('computing inputs', () => {
  it('keeps types, turning ints, timestamps and durations into JSON', () => {
    const scope = { incident: { n: 3, tags: ['a', 'b'] }, steps: {}, run: {} };
    expect(renderValue('${{ incident.n * 2.0 }}', scope)).toEqual({ ok: true, value: 6 });
    expect(renderValue('${{ incident.tags.size() }}', scope)).toEqual({ ok: true, value: 2 });
    expect(renderValue('${{ {"t": incident.tags, "k": 1} }}', scope)).toEqual({
      ok: true,
      value: { t: ['a', 'b'], k: 1 },
    });
    expect(renderValue('${{ duration("90m") }}', scope)).toEqual({ ok: true, value: '5400s' });
    expect(renderValue('${{ timestamp("2026-01-01T00:00:00Z") }}', scope)).toEqual({
      ok: true,
      value: '2026-01-01T00:00:00.000Z',
    });
    // A template beside it still renders as a template.
    expect(renderValue({ a: '{{ incident.n }}', b: '${{ incident.n > 2.0 }}' }, scope)).toEqual({
      ok: true,
      value: { a: 3, b: true },
    });
  });

  it('binds the computed value into the hash, which changes when the value does', () => {
    const built = build(
      playbook(THROTTLE_WITH('${{ incident.severity == "critical" ? "block" : "10/m" }}')),
    );
    const def = built.playbooks?.[0]?.states.first as ActionStateDefinition;
    const high = prepareAction(
      def,
      context({ severity: 'high', group: { api_key: 'k' } }),
      'first',
    );
    const crit = prepareAction(
      def,
      context({ severity: 'critical', group: { api_key: 'k' } }),
      'first',
    );
    expect(high.ok && high.gated.inputs.limit).toBe('10/m');
    expect(crit.ok && crit.gated.inputs.limit).toBe('block');
    expect(high.ok && crit.ok && high.gated.inputsHash !== crit.gated.inputsHash).toBe(true);
  });

  it('fails with the input named and the reason when the expression cannot be computed', () => {
    const built = build(
      playbook(THROTTLE_WITH('${{ incident.group.model == "m" ? "block" : "10/m" }}')),
    );
    const def = built.playbooks?.[0]?.states.first as ActionStateDefinition;
    const r = prepareAction(def, context({ group: { api_key: 'k' } }), 'first');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(
      /^State "first" input "limit": \$\{\{ .* \}\} could not be computed: .*model/,
    );
  });
});
