import type { CanonicalEvent } from '../ingest/canonical-event.js';
import { readCanonicalEvent } from '../ingest/normalizers/canonical-input.js';
import { Findings } from '../ingest/normalizers/findings.js';
import type { Diagnostic } from '../shared/diagnostics.js';
import { describe, parseDuration } from '../shared/duration.js';
import { stableStringify } from '../shared/hash.js';
import { checkKeys, isMapping } from '../shared/shape.js';
import type { YamlPath, DiagnosticSink } from '../shared/yaml.js';
import { loadSingleDocument } from '../shared/yaml.js';
import type { EngineOptions } from './engine/engine.js';
import type { Match } from './match.js';
import { Replay } from './replay.js';
import type { CompiledRuleSet } from './rule/types.js';

/**
 * Rule tests (`cordon test`), promtool-style: `*.test.yaml` files beside the rules, each with
 * test cases of events at time offsets and the matches they must produce — or none. Events may
 * carry an ingest delay, so late and out-of-order arrival is testable; they are processed in
 * order of arrival (event time + delay), and every window closes at the end.
 *
 *   rules: [model_extraction_by_query_volume]   # whose matches are checked (default: the rules
 *                                               # of the sibling file without ".test")
 *   tests:
 *     - name: 101 requests in a minute fire once
 *       events:
 *         - { at: 0s, repeat: 101, every: 500ms, event: { kind: inference, entity: { api_key: k1 } } }
 *       expect:
 *         - { rule: model_extraction_by_query_volume, group: { api_key: k1 }, count: 101 }
 *     - name: a steady batch user stays silent
 *       events: [...]
 *       expect: []
 */

/** Tests start at this event time unless they say `start:`. */
export const DEFAULT_START = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface ExpectedRuleMatch {
  readonly rule: string;
  readonly group?: Readonly<Record<string, string>>;
  readonly count?: number;
  readonly late?: boolean;
  /** Event time of the match's last event, as an offset from the test's start. */
  readonly atMs?: number;
  readonly aggregate?: Readonly<Record<string, unknown>>;
  readonly path: YamlPath;
}

export interface RuleTestCase {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** In arrival order. */
  readonly events: readonly CanonicalEvent[];
  readonly expect: readonly ExpectedRuleMatch[];
  readonly start: number;
}

export interface RuleTestFile {
  readonly file: string;
  /** Rule keys whose matches are checked. */
  readonly scope: readonly string[] | undefined;
  readonly cases: readonly RuleTestCase[];
}

export interface RuleTestOutcome {
  readonly test: RuleTestCase;
  readonly passed: boolean;
  readonly problems: readonly string[];
}

/** Parses one test file; every problem comes back located (file:line:column). */
export function parseRuleTests(
  file: string,
  text: string,
): { tests: RuleTestFile | undefined; diagnostics: Diagnostic[] } {
  const { doc, sink, diagnostics } = loadSingleDocument(text, file);
  if (!doc || !sink) return { tests: undefined, diagnostics };
  const value = doc.value;
  const cases: RuleTestCase[] = [];
  let scope: string[] | undefined;
  if (!isMapping(value)) {
    sink.error(
      [],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `Rule test file ${file} must be a mapping with "tests:"; got ${describe(value)}. Write "tests: [ { name, events, expect } ]".`,
    );
  } else {
    checkKeys(sink, [], value, `Rule test file ${file}`, {
      required: ['tests'],
      optional: ['rules'],
    });
    if (value.rules !== undefined) {
      if (
        Array.isArray(value.rules) &&
        value.rules.every((r): r is string => typeof r === 'string')
      )
        scope = value.rules;
      else
        sink.error(
          ['rules'],
          'CORDON_ERR_DEFINITION_TYPE',
          `Rule test file rules must list rule names; got ${describe(value.rules)}. Write e.g. "rules: [model_extraction_by_query_volume]".`,
        );
    }
    if (!Array.isArray(value.tests)) {
      if (value.tests !== undefined)
        sink.error(
          ['tests'],
          'CORDON_ERR_DEFINITION_TYPE',
          `Rule test file tests must be a list of test cases; got ${describe(value.tests)}. Write "tests: [ { name, events, expect } ]".`,
        );
    } else {
      (value.tests as unknown[]).forEach((t, i) => {
        const parsed = parseCase(sink, file, ['tests', i], t, doc.positions.get(['tests', i]).line);
        if (parsed) cases.push(parsed);
      });
    }
  }
  diagnostics.push(...sink.diagnostics);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  return { tests: ok ? { file, scope, cases } : undefined, diagnostics };
}

function parseCase(
  sink: DiagnosticSink,
  file: string,
  path: YamlPath,
  value: unknown,
  line: number,
): RuleTestCase | undefined {
  if (!isMapping(value)) {
    sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `Rule test must be a mapping with name, events and expect; got ${describe(value)}.`,
    );
    return undefined;
  }
  checkKeys(sink, path, value, 'Rule test', {
    required: ['name', 'events', 'expect'],
    optional: ['start'],
  });
  const name = typeof value.name === 'string' ? value.name : `test ${String(path[1])}`;
  let start = DEFAULT_START;
  if (value.start !== undefined) {
    const t = typeof value.start === 'string' ? Date.parse(value.start) : NaN;
    if (
      Number.isNaN(t) ||
      typeof value.start !== 'string' ||
      !/[zZ]|[+-]\d\d:\d\d$/.test(value.start)
    )
      sink.error(
        [...path, 'start'],
        'CORDON_ERR_DEFINITION_VALUE',
        `Rule test "${name}" start must be an RFC 3339 time with a zone; got ${describe(value.start)}. Write e.g. "start: 2026-01-05T09:00:00Z".`,
      );
    else start = t;
  }
  const events: { event: CanonicalEvent; arrival: number; order: number }[] = [];
  if (!Array.isArray(value.events)) {
    if (value.events !== undefined)
      sink.error(
        [...path, 'events'],
        'CORDON_ERR_DEFINITION_TYPE',
        `Rule test "${name}" events must be a list; got ${describe(value.events)}.`,
      );
  } else {
    (value.events as unknown[]).forEach((e, i) => {
      for (const parsed of parseEvent(sink, [...path, 'events', i], e, start, name, i))
        events.push({ ...parsed, order: events.length });
    });
  }
  const expect: ExpectedRuleMatch[] = [];
  if (!Array.isArray(value.expect)) {
    if (value.expect !== undefined)
      sink.error(
        [...path, 'expect'],
        'CORDON_ERR_DEFINITION_TYPE',
        `Rule test "${name}" expect must be a list of matches ([] for none); got ${describe(value.expect)}.`,
      );
  } else {
    (value.expect as unknown[]).forEach((m, i) => {
      const parsed = parseExpected(sink, [...path, 'expect', i], m, name);
      if (parsed) expect.push(parsed);
    });
  }
  events.sort((a, b) => a.arrival - b.arrival || a.order - b.order);
  return { name, file, line, events: events.map((e) => e.event), expect, start };
}

function parseEvent(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  start: number,
  test: string,
  index: number,
): { event: CanonicalEvent; arrival: number }[] {
  if (!isMapping(value)) {
    sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `Rule test "${test}" event must be a mapping with at and event; got ${describe(value)}.`,
    );
    return [];
  }
  checkKeys(sink, path, value, `Rule test "${test}" event`, {
    required: ['at', 'event'],
    optional: ['repeat', 'every', 'delay', 'source'],
  });
  const at = offset(sink, [...path, 'at'], value.at, test);
  const every = value.every === undefined ? 0 : offset(sink, [...path, 'every'], value.every, test);
  const delay = value.delay === undefined ? 0 : offset(sink, [...path, 'delay'], value.delay, test);
  const repeat = value.repeat ?? 1;
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1 || repeat > 1_000_000) {
    sink.error(
      [...path, 'repeat'],
      'CORDON_ERR_DEFINITION_VALUE',
      `Rule test "${test}" repeat must be a whole number from 1 to 1000000; got ${describe(repeat)}.`,
    );
    return [];
  }
  const source = value.source ?? 'test';
  if (typeof source !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(source)) {
    sink.error(
      [...path, 'source'],
      'CORDON_ERR_DEFINITION_VALUE',
      `Rule test "${test}" source must be a connector name; got ${describe(source)}.`,
    );
    return [];
  }
  if (at === undefined || every === undefined || delay === undefined) return [];
  if (!isMapping(value.event)) {
    sink.error(
      [...path, 'event'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `Rule test "${test}" event must be a canonical event (kind, entity, measures …); got ${describe(value.event)}.`,
    );
    return [];
  }
  const out: { event: CanonicalEvent; arrival: number }[] = [];
  for (let r = 0; r < repeat; r += 1) {
    const time = start + at + r * every;
    const findings = new Findings();
    const item = { id: `t${index}-${r}`, time, ...value.event };
    const event = readCanonicalEvent(item, findings.root(), time);
    const result = findings.result([]);
    if (!result.ok || !event) {
      for (const e of result.ok ? [] : result.errors)
        sink.error(
          [...path, 'event', ...e.path.split('/').filter(Boolean)],
          'CORDON_ERR_DEFINITION_VALUE',
          `Rule test "${test}" event ${e.path || ''} ${e.reason}`,
        );
      return [];
    }
    out.push({ event: { ...event, time, source, received: time + delay }, arrival: time + delay });
  }
  return out;
}

function parseExpected(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  test: string,
): ExpectedRuleMatch | undefined {
  if (!isMapping(value)) {
    sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `Rule test "${test}" expected match must be a mapping with a rule; got ${describe(value)}.`,
    );
    return undefined;
  }
  checkKeys(sink, path, value, `Rule test "${test}" expected match`, {
    required: ['rule'],
    optional: ['group', 'count', 'late', 'at', 'aggregate'],
  });
  if (typeof value.rule !== 'string') return undefined;
  const group = value.group;
  if (
    group !== undefined &&
    (!isMapping(group) || !Object.values(group).every((v) => typeof v === 'string'))
  ) {
    sink.error(
      [...path, 'group'],
      'CORDON_ERR_DEFINITION_TYPE',
      `Rule test "${test}" group must map group-by fields to string values; got ${describe(group)}.`,
    );
    return undefined;
  }
  const at = value.at === undefined ? undefined : offset(sink, [...path, 'at'], value.at, test);
  if (value.count !== undefined && typeof value.count !== 'number') {
    sink.error(
      [...path, 'count'],
      'CORDON_ERR_DEFINITION_TYPE',
      `Rule test "${test}" count must be a number; got ${describe(value.count)}.`,
    );
  }
  return {
    rule: value.rule,
    path,
    ...(group ? { group: group as Record<string, string> } : {}),
    ...(typeof value.count === 'number' ? { count: value.count } : {}),
    ...(typeof value.late === 'boolean' ? { late: value.late } : {}),
    ...(at !== undefined ? { atMs: at } : {}),
    ...(isMapping(value.aggregate) ? { aggregate: value.aggregate } : {}),
  };
}

/** A duration ("90s") or milliseconds; zero allowed. */
function offset(
  sink: DiagnosticSink,
  path: YamlPath,
  value: unknown,
  test: string,
): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\s*0+\s*(ms|s|m|h|d|w)?\s*$/.test(value)) return 0;
  const parsed = parseDuration(value);
  if (parsed.ok) return parsed.ms;
  sink.error(
    [...path],
    'CORDON_ERR_DEFINITION_VALUE',
    `Rule test "${test}" ${String(path[path.length - 1])} must be a duration such as "90s" (or milliseconds); ${parsed.reason}.`,
  );
  return undefined;
}

/** Runs one test case through the rules; every expected match must be found, nothing else. */
export function runRuleTest(
  rules: CompiledRuleSet,
  options: Omit<EngineOptions, 'owned'>,
  scope: ReadonlySet<string>,
  test: RuleTestCase,
): RuleTestOutcome {
  const matches: Match[] = [];
  const replay = new Replay(rules, options, (m) => {
    if (scope.has(m.rule)) matches.push(m);
  });
  for (const e of test.events) replay.push(e);
  replay.finish();

  const problems: string[] = [];
  const left = [...matches];
  for (const want of test.expect) {
    const i = left.findIndex((m) => fits(m, want, test.start));
    if (i >= 0) left.splice(i, 1);
    else
      problems.push(
        `expected ${describeExpected(want)}; ${
          matches.some((m) => m.rule === want.rule)
            ? `got ${matches
                .filter((m) => m.rule === want.rule)
                .map((m) => describeMatch(m, test.start))
                .join(', ')}`
            : `${want.rule} did not fire`
        }`,
      );
  }
  for (const m of left) problems.push(`unexpected ${describeMatch(m, test.start)}`);
  return { test, passed: problems.length === 0, problems };
}

function fits(m: Match, want: ExpectedRuleMatch, start: number): boolean {
  if (m.rule !== want.rule) return false;
  if (want.group && stableStringify(m.group) !== stableStringify(want.group)) return false;
  if (want.count !== undefined && m.count !== want.count) return false;
  if (want.late !== undefined && m.late !== want.late) return false;
  if (want.atMs !== undefined && m.lastTime - start !== want.atMs) return false;
  if (want.aggregate) {
    for (const [k, v] of Object.entries(want.aggregate))
      if (stableStringify(m.aggregate[k]) !== stableStringify(v)) return false;
  }
  return true;
}

function describeExpected(w: ExpectedRuleMatch): string {
  const parts = [
    w.group ? `group ${stableStringify(w.group)}` : '',
    w.count !== undefined ? `count ${w.count}` : '',
    w.late !== undefined ? `late ${String(w.late)}` : '',
    w.atMs !== undefined ? `at ${w.atMs / 1000}s` : '',
    w.aggregate ? `aggregate ${stableStringify(w.aggregate)}` : '',
  ].filter(Boolean);
  return `${w.rule}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function describeMatch(m: Match, start: number): string {
  return `${m.rule} (group ${stableStringify(m.group)}, count ${m.count}, late ${String(m.late)}, at ${(m.lastTime - start) / 1000}s, aggregate ${stableStringify(m.aggregate)})`;
}

/** The default scope of `x.test.yaml`: the rules defined in `x.yaml` beside it. */
export function siblingRuleFile(testFile: string): string {
  return testFile.replace(/\.test\.(ya?ml)$/i, '.$1');
}
