import { Environment } from '@marcbachmann/cel-js';
import { suggest } from '../../shared/shape.js';

/**
 * Conditions and computed times in playbooks are CEL (Common Expression Language), evaluated
 * by @marcbachmann/cel-js: no statements, no loops beyond bounded macros, no I/O, no `eval`.
 * An expression reads only `incident.*`, `steps.*` and `run.*`, the same scope as templates.
 *
 * Two environments: the checking one declares the shape of that scope (the incident's
 * fields, the action states a playbook has, the run's fields) so a typo or a type mismatch is
 * found at validate time; the running one reads plain JSON. Numbers arrive from JSON as
 * doubles, so numeric fields are declared `double` (compare with 3 or 3.0; do arithmetic with 3.0).
 */

/** What an expression may read, as the validator knows it. */
export interface ExpressionScope {
  /** Group fields every triggering rule carries; undefined = not known (any key allowed). */
  readonly groupNames: readonly string[] | undefined;
  /** States whose results `steps.<name>` holds (action states). */
  readonly stepStates: readonly string[];
  /** Action connectors (connectors/) `connectors.<name>.enabled` may name; absent = none. */
  readonly connectorNames?: readonly string[];
}

/**
 * The connectors an expression names (`connectors.mlflow`, `connectors["litellm-proxy"]`), so
 * the definition can pin whether each was enabled when it was loaded.
 */
export function connectorsNamed(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(
    /\bconnectors\s*(?:\.\s*([A-Za-z_][\w]*)|\[\s*["']([^"']+)["']\s*\])/g,
  ))
    out.add((m[1] ?? m[2]) as string);
  return [...out];
}

interface CelNode {
  readonly op: string;
  readonly args: unknown;
}

/**
 * The connectors a condition is true only while they are enabled: those whose
 * `connectors.<name>.enabled` (or `== true`) is the condition or one of its top-level `&&`
 * terms. Anything else (a negation, an `||`, a ternary) guarantees nothing. A condition that
 * does not parse guarantees nothing either.
 */
export function connectorsRequired(text: string): string[] {
  return connectorTerms(text, '&&', (n) => enabledRead(n) ?? comparedWith(n, isTrue));
}

/**
 * The connectors a condition is false only while they are enabled: `!connectors.<name>.enabled`
 * (or `== false`), alone or as an `||` term. A choice's later branches and its default are
 * taken only when it is false, so they require those.
 */
export function connectorsRequiredIfFalse(text: string): string[] {
  return connectorTerms(text, '||', (n) =>
    n.op === '!_' ? enabledRead(n.args as CelNode) : comparedWith(n, isFalse),
  );
}

/** `read(term)` of each top-level `joiner` term of the parsed condition (none if it does not parse). */
function connectorTerms(
  text: string,
  joiner: '&&' | '||',
  read: (term: CelNode) => string | undefined,
): string[] {
  let ast: CelNode;
  try {
    ast = (RUNNING.parse(text) as unknown as { ast: CelNode }).ast;
  } catch {
    return [];
  }
  const out = new Set<string>();
  const visit = (n: CelNode): void => {
    if (n.op === joiner && Array.isArray(n.args)) {
      for (const a of n.args as CelNode[]) visit(a);
      return;
    }
    const name = read(n);
    if (name !== undefined) out.add(name);
  };
  visit(ast);
  return [...out];
}

/** `connectors.<name>.enabled == <literal>` (either side) where `literal` holds: the name. */
function comparedWith(n: CelNode, literal: (n: CelNode) => boolean): string | undefined {
  if (n.op !== '==' || !Array.isArray(n.args)) return undefined;
  const [l, r] = n.args as CelNode[];
  if (!l || !r) return undefined;
  return literal(r) ? enabledRead(l) : literal(l) ? enabledRead(r) : undefined;
}

function isFalse(n: CelNode): boolean {
  return n.op === 'value' && n.args === false;
}

function isTrue(n: CelNode): boolean {
  return n.op === 'value' && n.args === true;
}

/** `connectors.<name>.enabled` or `connectors["<name>"].enabled`: the name. */
function enabledRead(n: CelNode): string | undefined {
  if (n.op !== '.' || !Array.isArray(n.args) || n.args[1] !== 'enabled') return undefined;
  const of = n.args[0] as CelNode;
  const parts = Array.isArray(of.args) ? (of.args as unknown[]) : [];
  const root = parts[0] as CelNode | undefined;
  if (root?.op !== 'id' || root.args !== 'connectors') return undefined;
  if (of.op === '.' && typeof parts[1] === 'string') return parts[1];
  const index = parts[1] as CelNode | undefined;
  if (of.op === '[]' && index?.op === 'value' && typeof index.args === 'string') return index.args;
  return undefined;
}

/**
 * What a place needs an expression to yield: a condition (`bool`), a wait time (`time`), or a
 * computed action input: `text` (string inputs, which take numbers and booleans too),
 * `string`, `duration` (a duration string or a CEL duration) or `value` (any JSON).
 */
export type ExpressionType = 'bool' | 'time' | 'text' | 'string' | 'duration' | 'value';

export type CheckResult =
  | { readonly ok: true; readonly type: string }
  | { readonly ok: false; readonly message: string; readonly offset: number };

const LIMITS = {
  maxAstNodes: 500,
  maxDepth: 40,
  maxListElements: 100,
  maxMapEntries: 100,
  maxCallArguments: 8,
};

const INCIDENT_SCHEMA = {
  id: 'string',
  title: 'string',
  severity: 'string',
  rule: 'string',
  ruleTitle: 'string',
  tags: 'list<string>',
  groupKey: 'string',
  firstSeen: 'double',
  lastSeen: 'double',
  matchCount: 'double',
  eventCount: 'double',
  retractionCount: 'double',
  retracted: 'bool',
  createdAt: 'double',
  aggregate: 'map<string, dyn>',
} as const;

const STEP_SCHEMA = {
  status: 'string',
  result: 'dyn',
  error: { code: 'string', message: 'string' },
  attempts: 'double',
} as const;

/** `run.inputs` is what a caller passed (a call state's sub-run); any value, by name. */
const RUN_SCHEMA = {
  id: 'string',
  playbook: 'string',
  startedAt: 'double',
  inputs: 'map<string, dyn>',
} as const;

function checkingEnvironment(scope: ExpressionScope): Environment {
  const group =
    scope.groupNames === undefined
      ? 'map<string, dyn>'
      : Object.fromEntries(scope.groupNames.map((n) => [n, 'dyn']));
  const steps = Object.fromEntries(scope.stepStates.map((s) => [s, STEP_SCHEMA]));
  // An empty schema would read as "any key"; a key no state can have keeps it closed.
  if (scope.stepStates.length === 0) steps['0'] = STEP_SCHEMA;
  const connectors: Record<string, unknown> = Object.fromEntries(
    (scope.connectorNames ?? []).map((n) => [n, { enabled: 'bool' }]),
  );
  if (Object.keys(connectors).length === 0) connectors['0'] = { enabled: 'bool' };
  const env = new Environment({ homogeneousAggregateLiterals: false, limits: LIMITS })
    .registerVariable({
      name: 'incident',
      schema: { ...INCIDENT_SCHEMA, group },
    })
    .registerVariable({ name: 'run', schema: RUN_SCHEMA })
    .registerVariable({ name: 'connectors', schema: connectors as never });
  return env.registerVariable({ name: 'steps', schema: steps });
}

const RUNNING = new Environment({ homogeneousAggregateLiterals: false, limits: LIMITS })
  .registerVariable('incident', 'map<string, dyn>')
  .registerVariable('steps', 'map<string, dyn>')
  .registerVariable('run', 'map<string, dyn>')
  .registerVariable('connectors', 'map<string, dyn>');

const ACCEPTS: Record<ExpressionType, readonly string[] | 'any'> = {
  bool: ['bool', 'dyn'],
  time: ['timestamp', 'google.protobuf.Timestamp', 'double', 'int', 'dyn'],
  text: ['string', 'double', 'int', 'uint', 'bool', 'dyn'],
  string: ['string', 'dyn'],
  duration: ['string', 'google.protobuf.Duration', 'dyn'],
  value: 'any',
};

const WANTED: Record<ExpressionType, string> = {
  bool: 'true or false',
  time: 'a time: a timestamp, or epoch milliseconds such as incident.lastSeen + 3600000.0',
  text: 'text (a string, a number or true/false)',
  string: 'a string',
  duration: 'a duration: a string such as "10m", or duration("10m")',
  value: 'a value',
};

/**
 * Parses and type-checks `text` against the scope. On failure, `offset` is the character of
 * the expression the problem is at and `message` says what is wrong and how to fix it.
 */
export function checkExpression(
  text: string,
  scope: ExpressionScope,
  expected: ExpressionType,
): CheckResult {
  let result: ReturnType<Environment['check']>;
  try {
    result = checkingEnvironment(scope).check(text);
  } catch (err) {
    return { ok: false, message: celMessage(err), offset: celOffset(err) };
  }
  if (!result.valid) {
    return {
      ok: false,
      message: explain(celMessage(result.error), scope, text, celOffset(result.error)),
      offset: celOffset(result.error),
    };
  }
  const type = result.type ?? 'dyn';
  const accepts = ACCEPTS[expected];
  if (accepts !== 'any' && !accepts.includes(type)) {
    return {
      ok: false,
      message: `yields ${type}, but this place needs ${WANTED[expected]}`,
      offset: 0,
    };
  }
  return { ok: true, type };
}

export type EvalResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

const programs = new Map<string, ReturnType<Environment['parse']>>();

/** Evaluates `text` over plain JSON values. Pure and synchronous; never throws. */
export function evaluateExpression(
  text: string,
  scope: {
    readonly incident: unknown;
    readonly steps: unknown;
    readonly run: unknown;
    readonly connectors?: unknown;
  },
): EvalResult {
  try {
    let program = programs.get(text);
    if (!program) {
      program = RUNNING.parse(text);
      if (programs.size > 10_000) programs.clear();
      programs.set(text, program);
    }
    const value: unknown = program({ connectors: {}, ...scope });
    if (value instanceof Promise) return { ok: false, reason: 'the expression is asynchronous' };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, reason: celMessage(err) };
  }
}

/** A `time` expression's value as epoch milliseconds, or undefined when it is not a time. */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** cel-js messages carry a source excerpt after a blank line; keep the first sentence. */
function celMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return (raw.split('\n')[0] ?? raw).trim();
}

function celOffset(err: unknown): number {
  const node = (err as { node?: { pos?: unknown } } | undefined)?.node;
  return typeof node?.pos === 'number' ? node.pos : 0;
}

function explain(message: string, scope: ExpressionScope, text: string, offset: number): string {
  const key = /^No such key: (.+)$/.exec(message)?.[1];
  if (key !== undefined) {
    const before = text.slice(0, offset).replace(/\s+/g, '');
    const hint = suggest(key, knownAt(before, scope));
    return `reads "${key}", which is not there${hint ? `; did you mean "${hint}"?` : ''}; known here: ${knownAt(before, scope).join(', ') || '(none)'}`;
  }
  if (/no such overload: double [-+*/%] int|no such overload: int [-+*/%] double/.test(message))
    return `${message}: numbers from incidents and steps are doubles, so write literals as doubles (3.0, not 3)`;
  if (/^Unknown variable: /.test(message))
    return `${message}; expressions read only incident, steps, run and connectors`;
  const overload = /^no such overload: (.+?) (==|!=|<=|>=|<|>|\+|-|\*|\/|%|in) (.+)$/.exec(message);
  if (overload)
    return `does not type-check: ${overload[1]} ${overload[2]} ${overload[3]} has no meaning in CEL (${message}); compare or combine values of one type: a string with "text", a number with 3.0, or convert (double(x), string(x))`;
  if (/^Unexpected (token|end)|EOF/.test(message))
    return `does not parse: ${message}; check for a missing operand, parenthesis or quote`;
  return message;
}

/** The keys that exist right before `before` (an expression prefix ending in "x.y."). */
function knownAt(before: string, scope: ExpressionScope): string[] {
  if (/incident\.group\.$/.test(before)) return [...(scope.groupNames ?? [])];
  if (/incident\.$/.test(before)) return [...Object.keys(INCIDENT_SCHEMA), 'group'];
  if (/steps\.[A-Za-z][\w-]*\.$/.test(before)) return Object.keys(STEP_SCHEMA);
  if (/steps\.$/.test(before)) return [...scope.stepStates];
  if (/run\.$/.test(before)) return Object.keys(RUN_SCHEMA);
  if (/connectors\.[\w-]+\.$/.test(before)) return ['enabled'];
  if (/connectors\.$/.test(before)) return [...(scope.connectorNames ?? [])];
  return [];
}
