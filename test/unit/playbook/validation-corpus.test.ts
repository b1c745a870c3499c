import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { PlaybookContext } from '../../../src/playbook/definition/types.js';
import type { Diagnostic } from '../../../src/shared/diagnostics.js';
import type { ErrorCode } from '../../../src/shared/error-codes.js';

/**
 * The invalid-playbook corpus (in the style of Tracecat's templates/invalid and pySigma's
 * test data): every file under test/fixtures/playbooks/invalid has exactly one defect, and the
 * table below says which diagnostic it must produce — code, line, column where meaningful, YAML
 * path and a key phrase of the message. The files are built exactly as `cordon validate` does.
 */
const FIXTURES = new URL('../../fixtures/playbooks/', import.meta.url);

const CTX: PlaybookContext = {
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
  ]),
  rules: new Map([['model_extraction_by_query_volume', ['api_key']]]),
};

/** Two connectors offer ratelimit.set: an action that names none is ambiguous. */
const TWO_LIMITERS: PlaybookContext = {
  ...CTX,
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['edge', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
  ]),
};

interface Expected {
  readonly code: ErrorCode;
  readonly line: number;
  /** 1-based; left out where js-yaml's own error mark decides it (syntax errors). */
  readonly column?: number;
  readonly path: string;
  readonly phrase: string;
}

interface Case extends Expected {
  readonly fixture: string;
  readonly ctx?: PlaybookContext;
  /** Further diagnostics the same single defect must produce (a cycle flags each member). */
  readonly also?: readonly Expected[];
  /** Files built before the fixture (a duplicate id needs the playbook it duplicates). */
  readonly before?: readonly string[];
}

function source(relative: string): { file: string; text: string } {
  return {
    file: `test/fixtures/playbooks/${relative}`,
    text: readFileSync(new URL(relative, FIXTURES), 'utf8'),
  };
}

function build(c: Pick<Case, 'fixture' | 'ctx' | 'before'>): ReturnType<typeof buildPlaybooks> {
  const sources = [...(c.before ?? []).map(source), source(`invalid/${c.fixture}.yaml`)];
  return buildPlaybooks(sources, c.ctx ?? CTX);
}

function summary(d: Diagnostic): Expected {
  return { code: d.code, line: d.line, column: d.column, path: d.path, phrase: d.message };
}

const CASES: readonly Case[] = [
  // ── YAML ─────────────────────────────────────────────────────────────────────────────
  {
    fixture: 'yaml-syntax-error',
    code: 'CORDON_ERR_YAML_SYNTAX',
    line: 10,
    path: '',
    phrase: 'bad indentation of a mapping entry',
  },
  {
    fixture: 'duplicate-yaml-key',
    code: 'CORDON_ERR_YAML_DUPLICATE_KEY',
    line: 18,
    column: 5,
    path: '',
    phrase: 'Mapping repeats the key',
  },
  {
    fixture: 'document-not-mapping',
    code: 'CORDON_ERR_YAML_NOT_MAPPING',
    line: 2,
    column: 1,
    path: '',
    phrase: 'A playbook document must be a mapping; got the list',
  },
  // ── Top level ────────────────────────────────────────────────────────────────────────
  {
    fixture: 'unknown-top-level-key',
    code: 'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
    line: 4,
    column: 1,
    path: 'titel',
    phrase: 'Playbook has unknown key "titel". Did you mean "title"?',
  },
  {
    fixture: 'missing-start',
    code: 'CORDON_ERR_DEFINITION_REQUIRED',
    line: 2,
    column: 1,
    path: '',
    phrase: 'missing required key "start"',
  },
  {
    fixture: 'start-missing-state',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
    line: 7,
    column: 8,
    path: 'start',
    phrase: 'start points at state "throtle", which does not exist. Did you mean "throttle"?',
  },
  {
    fixture: 'bad-id-format',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 3,
    column: 5,
    path: 'id',
    phrase: 'got "Contain_Key"',
  },
  {
    fixture: 'wrong-api-version',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 2,
    column: 13,
    path: 'apiVersion',
    phrase: 'apiVersion must be "cordon/v1"; got "cordon/v2"',
  },
  {
    fixture: 'duplicate-playbook-id',
    before: ['valid/minimal.yaml'],
    code: 'CORDON_ERR_DEFINITION_DUPLICATE',
    line: 2,
    column: 5,
    path: 'id',
    phrase: 'is also used at test/fixtures/playbooks/valid/minimal.yaml:3',
  },
  {
    fixture: 'duplicate-id-in-one-file',
    code: 'CORDON_ERR_DEFINITION_DUPLICATE',
    line: 10,
    column: 5,
    path: 'id',
    phrase: 'is also used at test/fixtures/playbooks/invalid/duplicate-id-in-one-file.yaml:2',
  },
  // ── Trigger ──────────────────────────────────────────────────────────────────────────
  {
    fixture: 'trigger-unknown-rule',
    code: 'CORDON_ERR_PLAYBOOK_TRIGGER',
    line: 5,
    column: 17,
    path: 'on.correlation[0]',
    phrase: 'Did you mean "model_extraction_by_query_volume"?',
  },
  {
    fixture: 'trigger-unknown-severity',
    code: 'CORDON_ERR_PLAYBOOK_TRIGGER',
    line: 6,
    column: 13,
    path: 'on.severity',
    phrase: 'must list severities from info, low, medium, high, critical; got "urgent"',
  },
  // ── States and transitions ───────────────────────────────────────────────────────────
  {
    fixture: 'unknown-transition-target',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
    line: 17,
    column: 11,
    path: 'states.throttle.next',
    phrase: 'Did you mean "ask_case"?',
  },
  {
    fixture: 'on-failure-unknown-target',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
    line: 15,
    column: 17,
    path: 'states.throttle.on_failure',
    phrase: 'points at state "escalate", which does not exist. States: throttle, done.',
  },
  {
    fixture: 'unreachable-state',
    code: 'CORDON_ERR_PLAYBOOK_UNREACHABLE',
    line: 32,
    column: 3,
    path: 'states.escalate',
    phrase: 'cannot be reached from the start state "throttle"',
  },
  {
    fixture: 'state-two-kinds',
    code: 'CORDON_ERR_PLAYBOOK_STATE_KIND',
    line: 31,
    column: 5,
    path: 'states.done',
    phrase:
      'must have exactly one of action, approval, choice, wait, parallel, call, end; got action and end',
  },
  {
    fixture: 'state-no-kind',
    code: 'CORDON_ERR_PLAYBOOK_STATE_KIND',
    line: 31,
    column: 5,
    path: 'states.done',
    phrase: 'got none',
  },
  {
    fixture: 'choice-expression-typo',
    code: 'CORDON_ERR_PLAYBOOK_EXPRESSION',
    line: 20,
    // The column of "mathCount" inside the quoted expression, not of the scalar.
    column: 60,
    path: 'states.ask_case.choice[0].when',
    phrase: 'reads "mathCount", which is not there; did you mean "matchCount"?',
  },
  {
    fixture: 'wait-without-timeout',
    code: 'CORDON_ERR_DEFINITION_REQUIRED',
    line: 19,
    column: 11,
    path: 'states.ask_case.wait',
    phrase: 'with no timeout, so a run could wait forever',
  },
  {
    fixture: 'call-unknown-playbook',
    code: 'CORDON_ERR_PLAYBOOK_CALL',
    line: 19,
    column: 23,
    path: 'states.ask_case.call.playbook',
    phrase: 'calls playbook "open-a-case", which no file in playbooks/ defines',
  },
  {
    fixture: 'parallel-name-clash',
    code: 'CORDON_ERR_PLAYBOOK_PARALLEL',
    line: 25,
    column: 13,
    path: 'states.contain.parallel.branches.case.states.done',
    phrase:
      'names a state "done", which is also a top-level state and a state of branch "case" of "contain"',
  },
  {
    fixture: 'bad-state-name',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 9,
    column: 3,
    path: 'states["2nd-try"]',
    phrase: 'State name "2nd-try" must start with a letter',
  },
  {
    fixture: 'state-unknown-key',
    code: 'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
    line: 14,
    column: 5,
    path: 'states.throttle.retries',
    phrase:
      'has unknown key "retries". Known keys: action, next, with, undo, undo_on_reject, expires, retry, timeout, automatic, on_failure, description.',
  },
  {
    fixture: 'end-unknown-outcome',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 31,
    column: 10,
    path: 'states.done.end',
    phrase: 'end must be one of resolved, failed, cancelled; got "success"',
  },
  {
    fixture: 'no-path-to-end',
    code: 'CORDON_ERR_PLAYBOOK_NO_END',
    line: 23,
    column: 3,
    path: 'states.open_case',
    phrase: 'State "open_case" has no path to an end state',
    also: [
      {
        code: 'CORDON_ERR_PLAYBOOK_NO_END',
        line: 29,
        column: 3,
        path: 'states.ask_again',
        phrase: 'State "ask_again" has no path to an end state',
      },
    ],
  },
  // ── Actions ──────────────────────────────────────────────────────────────────────────
  {
    fixture: 'unknown-operation',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
    line: 10,
    column: 13,
    path: 'states.throttle.action',
    phrase: 'Did you mean "ratelimit.set"?',
  },
  {
    fixture: 'undo-wrong-connector-type',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
    line: 13,
    column: 11,
    path: 'states.throttle.undo',
    phrase: 'undo "ticket.open" cannot act on the connector types of ratelimit.set',
  },
  {
    fixture: 'unknown-connector',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
    line: 13,
    column: 18,
    path: 'states.throttle.with.connector',
    phrase: 'Did you mean "gateway"?',
  },
  {
    fixture: 'wrong-connector-type',
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
    line: 13,
    column: 18,
    path: 'states.throttle.with.connector',
    phrase: 'on connector "cases" of type builtin-cases, which does not offer it',
  },
  {
    fixture: 'ambiguous-connector',
    ctx: TWO_LIMITERS,
    code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
    line: 13,
    column: 7,
    path: 'states.throttle.with',
    phrase: 'which 2 connectors offer (gateway, edge); name one with "connector:"',
  },
  {
    fixture: 'missing-required-input',
    code: 'CORDON_ERR_PLAYBOOK_INPUT',
    line: 13,
    column: 7,
    path: 'states.throttle.with',
    phrase: 'ratelimit.set needs input "limit"',
  },
  {
    fixture: 'unknown-input',
    code: 'CORDON_ERR_PLAYBOOK_INPUT',
    line: 16,
    column: 7,
    path: 'states.throttle.with.reasn',
    phrase: 'has no input "reasn". Did you mean "reason"?',
  },
  {
    fixture: 'literal-input-invalid',
    code: 'CORDON_ERR_PLAYBOOK_INPUT',
    line: 15,
    column: 14,
    path: 'states.throttle.with.limit',
    phrase: 'got "10 per minute"',
  },
  {
    fixture: 'retry-attempts-zero',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 17,
    column: 24,
    path: 'states.throttle.retry.attempts',
    phrase: 'retry.attempts must be a whole number from 1 to 100 (1 = no retry); got 0',
  },
  {
    fixture: 'retry-backoff-unknown',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 19,
    column: 16,
    path: 'states.throttle.retry.backoff',
    phrase: 'retry.backoff must be "fixed" or "exponential"; got "linear"',
  },
  {
    fixture: 'timeout-without-unit',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 17,
    column: 14,
    path: 'states.throttle.timeout',
    phrase: 'got the number 10 without a unit',
  },
  {
    fixture: 'timeout-too-long',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 17,
    column: 14,
    path: 'states.throttle.timeout',
    phrase: '; the most allowed is 1h.',
  },
  {
    fixture: 'automatic-not-boolean',
    code: 'CORDON_ERR_DEFINITION_TYPE',
    line: 9,
    column: 16,
    path: 'states.throttle.automatic',
    phrase: 'automatic must be true or false; got "yes"',
  },
  {
    fixture: 'unguarded-mutation',
    code: 'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
    line: 10,
    column: 13,
    path: 'states.throttle.action',
    phrase: 'without an approval',
  },
  {
    fixture: 'unguarded-mutation-via-rejected',
    code: 'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
    line: 23,
    column: 13,
    path: 'states.throttle.action',
    phrase: 'without an approval',
  },
  {
    fixture: 'unguarded-mutation-via-timeout',
    code: 'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
    line: 16,
    column: 13,
    path: 'states.throttle.action',
    phrase: 'without an approval',
  },
  // ── Approvals ────────────────────────────────────────────────────────────────────────
  {
    fixture: 'approval-without-timeout',
    code: 'CORDON_ERR_DEFINITION_REQUIRED',
    line: 20,
    column: 7,
    path: 'states.ask_case.approval',
    phrase: 'approval is missing required key "timeout"',
  },
  {
    fixture: 'approval-timeout-zero',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 9,
    column: 16,
    path: 'states.ask_case.approval.timeout',
    phrase: 'a duration must be greater than zero',
  },
  {
    fixture: 'approval-timeout-too-long',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 9,
    column: 16,
    path: 'states.ask_case.approval.timeout',
    phrase: '; the most allowed is',
  },
  {
    fixture: 'approval-quorum-zero',
    code: 'CORDON_ERR_DEFINITION_VALUE',
    line: 20,
    column: 15,
    path: 'states.ask_case.approval.quorum',
    phrase:
      'approval.quorum must be a whole number from 1 to 10 (distinct approvers needed); got 0',
  },
  {
    fixture: 'approval-unknown-key',
    code: 'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
    line: 9,
    column: 7,
    path: 'states.ask_case.approval.quorom',
    phrase: 'Did you mean "quorum"?',
  },
  // ── Templates ────────────────────────────────────────────────────────────────────────
  {
    fixture: 'template-malformed',
    code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
    line: 14,
    column: 12,
    path: 'states.throttle.with.key',
    phrase: '"{{" is never closed in "{{ incident.group.api_key"; add "}}"',
  },
  {
    fixture: 'template-unknown-root',
    code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
    line: 28,
    column: 16,
    path: 'states.open_case.with.summary',
    phrase: 'starts with "alert"; templates read from incident, run or steps',
  },
  {
    fixture: 'template-unknown-incident-field',
    code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
    line: 28,
    column: 16,
    path: 'states.open_case.with.summary',
    phrase: 'names unknown incident field "titel"; did you mean "title"?',
  },
  {
    fixture: 'template-unknown-group-field',
    code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
    line: 14,
    column: 12,
    path: 'states.throttle.with.key',
    phrase: 'names unknown group field "apikey"; did you mean "api_key"?',
  },
  {
    fixture: 'template-steps-not-action',
    code: 'CORDON_ERR_PLAYBOOK_TEMPLATE',
    line: 28,
    column: 16,
    path: 'states.open_case.with.summary',
    phrase: 'names unknown action state "ask_case"; known: throttle, open_case',
  },
];

describe('invalid playbook corpus', () => {
  it('has a table row for every fixture file and a fixture file for every row', () => {
    const files = readdirSync(new URL('invalid/', FIXTURES))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      // Rows kept in validate-playbook.test.ts because they reveal a bug in src/ (see there).
      .filter((f) => f !== 'template-unquoted')
      .sort();
    expect(CASES.map((c) => c.fixture).sort()).toEqual(files);
  });

  it.each(CASES)('$fixture → $code at line $line', (c) => {
    const { playbooks, diagnostics } = build(c);
    expect(playbooks).toBeUndefined();
    const expected = [c, ...(c.also ?? [])];
    expect(diagnostics).toHaveLength(expected.length);
    expected.forEach((want, i) => {
      const got = diagnostics[i]!;
      expect(got.severity).toBe('error');
      expect(got.code).toBe(want.code);
      expect(got.line).toBe(want.line);
      if (want.column !== undefined) expect(got.column).toBe(want.column);
      expect(got.path).toBe(want.path);
      expect(got.message).toContain(want.phrase);
      expect(got.file).toBe(`test/fixtures/playbooks/invalid/${c.fixture}.yaml`);
    });
  });

  it('reports every playbook’s problems in one pass when several files are built together', () => {
    const sources = ['unknown-operation', 'unreachable-state', 'missing-start'].map((f) =>
      source(`invalid/${f}.yaml`),
    );
    const { playbooks, diagnostics } = buildPlaybooks(sources, CTX);
    expect(playbooks).toBeUndefined();
    expect(diagnostics.map((d) => [d.file.split('/').pop(), d.code])).toEqual([
      ['unknown-operation.yaml', 'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION'],
      ['unreachable-state.yaml', 'CORDON_ERR_PLAYBOOK_UNREACHABLE'],
      ['missing-start.yaml', 'CORDON_ERR_DEFINITION_REQUIRED'],
    ]);
  });

  it('returns no playbooks at all when one file of a set is invalid', () => {
    const { playbooks } = buildPlaybooks(
      [source('valid/minimal.yaml'), source('invalid/unknown-operation.yaml')],
      CTX,
    );
    expect(playbooks).toBeUndefined();
  });
});

describe('exact diagnostic messages', () => {
  const only = (fixture: string, ctx?: PlaybookContext): Expected => {
    const { diagnostics } = build({ fixture, ctx });
    expect(diagnostics).toHaveLength(1);
    return summary(diagnostics[0]!);
  };

  it('unknown transition target', () => {
    expect(only('unknown-transition-target').phrase).toBe(
      'State "throttle" next points at state "ask_kase", which does not exist. Did you mean "ask_case"?',
    );
  });

  it('unguarded mutation', () => {
    expect(only('unguarded-mutation').phrase).toBe(
      'State "throttle" runs ratelimit.set, which changes a production system, but a run can enter it from the start without an approval. ' +
        'Make it the direct target of an approval\'s "approved" outcome (the approver then sees and binds its exact inputs), or add "automatic: true" if it must run unattended.',
    );
  });

  it('unknown connector', () => {
    expect(only('unknown-connector').phrase).toBe(
      'State "throttle" names connector "gatewy", which connectors/ does not define. Did you mean "gateway"? Connectors offering ratelimit.set: gateway.',
    );
  });

  it('literal input invalid', () => {
    expect(only('literal-input-invalid').phrase).toBe(
      'State "throttle" input "limit" got "10 per minute"; write "<count>/<unit>" with unit s, m, h or d (for example "10/m"), or "block".',
    );
  });

  it('trigger naming an unknown rule', () => {
    expect(only('trigger-unknown-rule').phrase).toBe(
      'Playbook "trigger-unknown-rule" is triggered by rule "model_extraction_by_query_volum", which no file in correlations/ defines. ' +
        'Did you mean "model_extraction_by_query_volume"? Use the name or id of a rule that opens incidents.',
    );
  });

  it('ambiguous connector', () => {
    expect(only('ambiguous-connector', TWO_LIMITERS).phrase).toBe(
      'State "throttle" runs ratelimit.set, which 2 connectors offer (gateway, edge); name one with "connector:".',
    );
  });

  it('template naming an unknown group field ends with the question, not "?."', () => {
    // BUG (src/playbook/definition/validate-playbook.ts:415): the template problem already ends
    // with "?" and the caller appends ".", giving `did you mean "api_key"?.`.
    expect(only('template-unknown-group-field').phrase).toBe(
      'State "throttle": {{ incident.group.apikey }} names unknown group field "apikey"; did you mean "api_key"?',
    );
  });
});
