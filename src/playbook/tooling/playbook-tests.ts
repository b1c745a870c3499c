import { isDeepStrictEqual } from 'node:util';
import type { Diagnostic } from '../../shared/diagnostics.js';
import { describe, parseDuration } from '../../shared/duration.js';
import { checkKeys, expectMapping, expectString, isMapping, suggest } from '../../shared/shape.js';
import type { DiagnosticSink } from '../../shared/yaml.js';
import { loadSingleDocument, type YamlPath } from '../../shared/yaml.js';
import type { CompiledPlaybook } from '../definition/compile-playbook.js';
import { stateKind } from '../kinds/registry.js';
import type { RunStatus } from '../runtime/run-record.js';
import { simulate, type ScriptStep, type SimulatedCall, type StubReply } from './simulate.js';

/**
 * Playbook tests: `playbooks/<id>.test.yaml` beside the playbook. Each case puts an incident
 * in, stubs connector replies per action state, scripts approval decisions, incident changes
 * and clock advances, and expects a path, a final status and the calls made. They run on the
 * pure interpreter (simulate.ts): no Redis, a fake clock.
 */
export interface PlaybookTestFile {
  readonly file: string;
  /** The playbook under test; defaults to the one whose file sits beside (`<id>.test.yaml`). */
  readonly playbook: string | undefined;
  readonly cases: readonly PlaybookTestCase[];
}

export interface ExpectedCall {
  readonly state?: string;
  readonly operation: string;
  readonly connector?: string;
  /** A subset: each key given must equal the rendered input. */
  readonly inputs?: Readonly<Record<string, unknown>>;
}

export interface PlaybookTestCase {
  readonly name: string;
  readonly line: number;
  /**
   * The outbound connectors/ instances this case runs with, as if `enabled: true`, and no other
   * (the playbook is loaded again so, and routes and `connectors.<name>.enabled` pick them; the
   * built-in limiter and case store stay as written); the file's `connectors:` when the case
   * has none; absent in both = connectors/ as written.
   */
  readonly connectors?: readonly string[];
  readonly incident: Readonly<Record<string, unknown>>;
  readonly replies: Readonly<Record<string, readonly StubReply[]>>;
  /** Replies to the undo of a state's effect (default: success). */
  readonly undoReplies?: Readonly<Record<string, StubReply>>;
  readonly script: readonly ScriptStep[];
  readonly expect: {
    readonly path?: readonly string[];
    readonly status?: RunStatus;
    readonly calls?: readonly ExpectedCall[];
    /** States whose effect's undo failed, in the order the undos ran. */
    readonly undoFailed?: readonly string[];
  };
}

export interface PlaybookTestOutcome {
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly path: readonly string[];
  readonly calls: readonly SimulatedCall[];
}

/** When test runs start unless a case says otherwise (any fixed time: the clock is fake). */
export const TEST_START = Date.UTC(2024, 5, 1, 12, 0, 0);

const STATUSES: readonly RunStatus[] = ['running', 'waiting', 'resolved', 'failed', 'cancelled'];

export function isPlaybookTestFile(name: string): boolean {
  return /\.test\.ya?ml$/i.test(name);
}

/** The playbook id a test file beside its playbook defaults to: `contain-abusive-key.test.yaml`. */
export function siblingPlaybookId(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.test\.ya?ml$/i, '');
}

export function parsePlaybookTests(
  file: string,
  text: string,
): { tests: PlaybookTestFile | undefined; diagnostics: Diagnostic[] } {
  const { doc, sink, diagnostics } = loadSingleDocument(text, file);
  if (!doc || !sink) return { tests: undefined, diagnostics };
  const value = doc.value;
  const cases: PlaybookTestCase[] = [];
  let playbook: string | undefined;
  const what = `Playbook test file ${file}`;
  if (expectMapping(sink, [], value, what)) {
    checkKeys(sink, [], value, what, {
      required: ['tests'],
      optional: ['playbook', 'connectors'],
    });
    const fileConnectors = parseConnectors(sink, ['connectors'], value.connectors, what);
    if (
      value.playbook !== undefined &&
      expectString(sink, ['playbook'], value.playbook, `${what} playbook`)
    )
      playbook = value.playbook;
    if (Array.isArray(value.tests)) {
      value.tests.forEach((t: unknown, i) => {
        const parsed = parseCase(
          sink,
          ['tests', i],
          t,
          doc.positions.get(['tests', i]).line,
          fileConnectors,
        );
        if (parsed) cases.push(parsed);
      });
    } else if (value.tests !== undefined) {
      sink.error(
        ['tests'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${what} tests must be a list of cases; got ${describe(value.tests)}. Write "tests: [ { name, incident, script, expect } ]".`,
      );
    }
  }
  diagnostics.push(...sink.diagnostics);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  return { tests: ok ? { file, playbook, cases } : undefined, diagnostics };
}

/** A `connectors:` list (file or case), or undefined when absent or bad (reported). */
function parseConnectors(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  what: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((c) => typeof c === 'string' && c !== ''))
    return [...new Set(value as string[])].sort();
  sink.error(
    path,
    'CORDON_ERR_DEFINITION_TYPE',
    `${what} connectors must list the connectors/ instance names to run with enabled (and no other), e.g. [kong, jira], or [] for none; got ${describe(value)}.`,
  );
  return undefined;
}

function parseCase(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  line: number,
  fileConnectors: readonly string[] | undefined,
): PlaybookTestCase | undefined {
  if (!expectMapping(sink, path, value, `Test ${path.join('.')}`)) return undefined;
  const name = typeof value.name === 'string' ? value.name : `tests[${String(path[1])}]`;
  const what = `Test "${name}"`;
  const before = sink.diagnostics.length;
  checkKeys(sink, path, value, what, {
    required: ['name', 'incident', 'expect'],
    optional: ['replies', 'undo_replies', 'script', 'connectors'],
  });
  const connectors =
    parseConnectors(sink, [...path, 'connectors'], value.connectors, what) ?? fileConnectors;
  const incident = isMapping(value.incident) ? value.incident : {};
  if (value.incident !== undefined)
    expectMapping(sink, [...path, 'incident'], value.incident, `${what} incident`);

  const replies: Record<string, StubReply[]> = {};
  if (
    value.replies !== undefined &&
    expectMapping(sink, [...path, 'replies'], value.replies, `${what} replies`)
  ) {
    for (const [state, raw] of Object.entries(value.replies)) {
      const list = Array.isArray(raw) ? raw : [raw];
      replies[state] = list.flatMap((r, i) => {
        const reply = parseReply(
          sink,
          [...path, 'replies', state, ...(Array.isArray(raw) ? [i] : [])],
          r,
          what,
        );
        return reply ? [reply] : [];
      });
    }
  }

  const undoReplies: Record<string, StubReply> = {};
  if (
    value.undo_replies !== undefined &&
    expectMapping(sink, [...path, 'undo_replies'], value.undo_replies, `${what} undo_replies`)
  ) {
    for (const [state, raw] of Object.entries(value.undo_replies)) {
      const reply = parseReply(sink, [...path, 'undo_replies', state], raw, what);
      if (reply) undoReplies[state] = reply;
    }
  }

  const script: ScriptStep[] = [];
  if (value.script !== undefined) {
    if (!Array.isArray(value.script)) {
      sink.error(
        [...path, 'script'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${what} script must be a list of steps (approve, reject, advance, change); got ${describe(value.script)}.`,
      );
    } else {
      value.script.forEach((s: unknown, i) => {
        const stepValue = parseStep(sink, [...path, 'script', i], s, what);
        if (stepValue) script.push(stepValue);
      });
    }
  }

  const expected: {
    path?: string[];
    status?: RunStatus;
    calls?: ExpectedCall[];
    undoFailed?: string[];
  } = {};
  const e = value.expect;
  if (e !== undefined && expectMapping(sink, [...path, 'expect'], e, `${what} expect`)) {
    checkKeys(sink, [...path, 'expect'], e, `${what} expect`, {
      optional: ['path', 'status', 'calls', 'undo_failed'],
    });
    if (e.undo_failed !== undefined) {
      if (Array.isArray(e.undo_failed) && e.undo_failed.every((p) => typeof p === 'string'))
        expected.undoFailed = e.undo_failed;
      else
        sink.error(
          [...path, 'expect', 'undo_failed'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${what} expect.undo_failed must list the states whose undo failed, in order; got ${describe(e.undo_failed)}.`,
        );
    }
    if (e.path !== undefined) {
      if (Array.isArray(e.path) && e.path.every((p) => typeof p === 'string'))
        expected.path = e.path;
      else
        sink.error(
          [...path, 'expect', 'path'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${what} expect.path must list state names in order; got ${describe(e.path)}.`,
        );
    }
    if (e.status !== undefined) {
      if (STATUSES.includes(e.status as RunStatus)) expected.status = e.status as RunStatus;
      else
        sink.error(
          [...path, 'expect', 'status'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${what} expect.status must be one of ${STATUSES.join(', ')}; got ${describe(e.status)}.`,
        );
    }
    if (e.calls !== undefined) {
      if (!Array.isArray(e.calls)) {
        sink.error(
          [...path, 'expect', 'calls'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${what} expect.calls must be a list of { operation, state?, connector?, inputs? } in call order; got ${describe(e.calls)}.`,
        );
      } else {
        expected.calls = e.calls.flatMap((c: unknown, i) => {
          const at = [...path, 'expect', 'calls', i];
          if (!expectMapping(sink, at, c, `${what} expect.calls[${i}]`)) return [];
          checkKeys(sink, at, c, `${what} expect.calls[${i}]`, {
            required: ['operation'],
            optional: ['state', 'connector', 'inputs'],
          });
          if (
            c.inputs !== undefined &&
            !expectMapping(sink, [...at, 'inputs'], c.inputs, `${what} expect.calls[${i}].inputs`)
          )
            return [];
          return [c as unknown as ExpectedCall];
        });
      }
    }
    if (!expected.path && !expected.status && !expected.calls && !expected.undoFailed)
      sink.error(
        [...path, 'expect'],
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${what} expects nothing; give expect.path, expect.status or expect.calls.`,
      );
  }
  if (sink.diagnostics.slice(before).some((d) => d.severity === 'error')) return undefined;
  return {
    name,
    line,
    ...(connectors ? { connectors } : {}),
    incident,
    replies,
    undoReplies,
    script,
    expect: expected,
  };
}

function parseReply(
  sink: DiagnosticSink,
  at: YamlPath,
  value: unknown,
  what: string,
): StubReply | undefined {
  const hint =
    'Write { result: <value> } for success or { error: CORDON_ERR_..., message: ... } for a failure.';
  if (!isMapping(value) || (value.result === undefined) === (value.error === undefined)) {
    sink.error(
      at,
      'CORDON_ERR_DEFINITION_VALUE',
      `${what} reply must have exactly one of result or error; got ${describe(value)}. ${hint}`,
    );
    return undefined;
  }
  checkKeys(sink, at, value, `${what} reply`, { optional: ['result', 'error', 'message'] });
  if (value.error !== undefined) {
    if (!expectString(sink, [...at, 'error'], value.error, `${what} reply error`)) return undefined;
    return {
      ok: false,
      code: value.error,
      message: typeof value.message === 'string' ? value.message : `stubbed ${value.error}`,
    };
  }
  return { ok: true, result: value.result };
}

function parseStep(
  sink: DiagnosticSink,
  at: YamlPath,
  value: unknown,
  what: string,
): ScriptStep | undefined {
  const verbs = ['approve', 'reject', 'advance', 'change', 'cancel', 'answer'];
  const present = isMapping(value) ? verbs.filter((v) => value[v] !== undefined) : [];
  if (!isMapping(value) || present.length !== 1) {
    sink.error(
      at,
      'CORDON_ERR_DEFINITION_VALUE',
      `${what} script step must have exactly one of ${verbs.join(', ')}; got ${describe(value)}. For example "- approve: ask_case", "- advance: 30m", "- change: { severity: critical }", "- cancel: true", "- answer: block_key".`,
    );
    return undefined;
  }
  checkKeys(sink, at, value, `${what} script step`, { optional: [...verbs, 'by'] });
  const by = Array.isArray(value.by)
    ? value.by.map(String)
    : typeof value.by === 'string'
      ? [value.by]
      : ['tester'];
  if (value.approve !== undefined)
    return expectString(sink, [...at, 'approve'], value.approve, `${what} approve`)
      ? { approve: value.approve, by }
      : undefined;
  if (value.reject !== undefined)
    return expectString(sink, [...at, 'reject'], value.reject, `${what} reject`)
      ? { reject: value.reject, by }
      : undefined;
  if (value.cancel !== undefined) {
    if (value.cancel !== true) {
      sink.error(
        [...at, 'cancel'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${what} cancel cancels the run where it rests; got ${describe(value.cancel)}. Write "- cancel: true" (with "by: alice" to name who).`,
      );
      return undefined;
    }
    return { cancel: true, by };
  }
  if (value.answer !== undefined)
    return expectString(sink, [...at, 'answer'], value.answer, `${what} answer`)
      ? { answer: value.answer }
      : undefined;
  if (value.advance !== undefined) {
    const d = parseDuration(value.advance);
    if (!d.ok) {
      sink.error([...at, 'advance'], 'CORDON_ERR_DEFINITION_VALUE', `${what} advance ${d.reason}.`);
      return undefined;
    }
    return { advanceMs: d.ms };
  }
  return expectMapping(sink, [...at, 'change'], value.change, `${what} change`)
    ? { change: value.change }
    : undefined;
}

/** Runs one case; every mismatch is one line naming what was expected and what happened. */
export function runPlaybookTest(
  compiled: CompiledPlaybook,
  test: PlaybookTestCase,
): PlaybookTestOutcome {
  const result = simulate(compiled, {
    incident: test.incident,
    replies: test.replies,
    ...(test.undoReplies ? { undoReplies: test.undoReplies } : {}),
    script: test.script,
    startAt: TEST_START,
  });
  const problems = [...result.problems];
  // A stub for a state the playbook does not have (a typo) would never be used: said, not
  // ignored, so the case cannot pass on the default replies by accident.
  const known = Object.keys(compiled.states);
  // Replies go to states that call something (their result is steps.<state>); undo replies
  // to states whose effect has an undo.
  const answers = (state: string, field: 'replies' | 'undo_replies'): boolean => {
    const def = compiled.states[state];
    const kind = def ? stateKind(def.kind) : undefined;
    return field === 'replies' ? kind?.recordsStep === true : kind?.undoable !== undefined;
  };
  for (const [field, stubs] of [
    ['replies', test.replies],
    ['undo_replies', test.undoReplies ?? {}],
  ] as const)
    for (const state of Object.keys(stubs)) {
      if (!known.includes(state)) {
        const hint = suggest(state, known);
        problems.push(
          `${field} names state "${state}", which playbook ${compiled.definition.id} does not have${hint ? ` (did you mean "${hint}"?)` : ''}`,
        );
      } else if (!answers(state, field))
        problems.push(
          `${field} names state "${state}", which ${field === 'replies' ? 'calls nothing a reply could answer (replies go to action and call states)' : 'has no effect to undo (undo_replies go to action states)'}`,
        );
    }
  const { path, status, calls } = test.expect;
  if (path && !isDeepStrictEqual(path, result.path))
    problems.push(`expected path [${path.join(', ')}], got [${result.path.join(', ')}]`);
  if (status && status !== result.status)
    problems.push(`expected status ${status}, got ${result.status} (at "${result.state}")`);
  if (calls) problems.push(...compareCalls(calls, result.calls));
  const undoFailed = test.expect.undoFailed;
  if (undoFailed && !isDeepStrictEqual(undoFailed, result.undoFailed))
    problems.push(
      `expected undo failures of [${undoFailed.join(', ')}], got [${result.undoFailed.join(', ')}]`,
    );
  return { passed: problems.length === 0, problems, path: result.path, calls: result.calls };
}

function compareCalls(expected: readonly ExpectedCall[], got: readonly SimulatedCall[]): string[] {
  const problems: string[] = [];
  const shown = (c: SimulatedCall): string =>
    `${c.operation} (${c.undoOf ? `undo of ${c.state}, ${c.undoOf}` : c.state}) ${JSON.stringify(c.inputs)}`;
  if (expected.length !== got.length)
    problems.push(
      `expected ${expected.length} call(s), got ${got.length}: ${got.map(shown).join('; ') || 'none'}`,
    );
  expected.forEach((e, i) => {
    const c = got[i];
    if (!c) return;
    const wrong: string[] = [];
    if (e.operation !== c.operation) wrong.push(`operation ${e.operation}, got ${c.operation}`);
    if (e.state !== undefined && e.state !== c.state)
      wrong.push(`state ${e.state}, got ${c.state}`);
    if (e.connector !== undefined && e.connector !== c.connector)
      wrong.push(`connector ${e.connector}, got ${c.connector}`);
    for (const [key, v] of Object.entries(e.inputs ?? {}))
      if (!isDeepStrictEqual(v, c.inputs[key]))
        wrong.push(
          `input ${key} = ${JSON.stringify(v)}, got ${JSON.stringify(c.inputs[key] ?? null)}`,
        );
    if (wrong.length > 0) problems.push(`call ${i + 1}: expected ${wrong.join('; ')}`);
  });
  return problems;
}
