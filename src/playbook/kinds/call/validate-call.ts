import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping, expectString, suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import { durationOr, MAX_WAIT_MS } from '../../definition/value-checks.js';
import { collectTemplates, parseTemplate } from '../../template.js';
import type { ValidateInput } from '../state-kind.js';
import {
  MAX_CALL_DEPTH,
  type CallablePlaybook,
  type CallStateDefinition,
} from './call-definition.js';
import { callCycle, callDepth } from './callable-index.js';

const HASH = /^[0-9a-f]{64}$/;
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;
/** What an output template may read of the child's run (the parent's `run.*` plus its end). */
const CHILD_RUN_FIELDS = ['id', 'playbook', 'startedAt', 'inputs', 'outcome'];

/**
 * `call: { playbook, version?, inputs?, outputs?, timeout? }` with `next` and an optional
 * `on_failure`. The called playbook is checked against the installation's other playbooks
 * (ctx.playbooks; skipped when the playbook is validated alone): it exists, the call closes no
 * cycle, calls nest at most MAX_CALL_DEPTH deep, and the inputs are those it declares.
 */
export function validateCall(input: ValidateInput): CallStateDefinition | undefined {
  const { value, path, sink, label } = input;
  const before = input.mark();
  checkKeys(sink, path, value, label, {
    required: ['call', 'next'],
    optional: ['on_failure', 'description'],
  });
  const at = [...path, 'call'];
  const spec = value.call;
  let def: CallStateDefinition | undefined;
  if (expectMapping(sink, at, spec, `${label} call`)) {
    checkKeys(sink, at, spec, `${label} call`, {
      required: ['playbook'],
      optional: ['version', 'inputs', 'outputs', 'timeout'],
    });
    const playbook = spec.playbook;
    const callee =
      playbook !== undefined &&
      expectString(sink, [...at, 'playbook'], playbook, `${label} call.playbook`)
        ? checkCallee(input, [...at, 'playbook'], playbook)
        : undefined;
    const version = spec.version;
    if (version !== undefined && (typeof version !== 'string' || !HASH.test(version))) {
      sink.error(
        [...at, 'version'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${label} call.version must be a playbook version hash (64 lower-case hex digits, as GET /v1/playbooks lists them); got ${describe(version)}. Remove it to call the current version.`,
      );
    }
    const inputs = spec.inputs ?? {};
    if (expectMapping(sink, [...at, 'inputs'], inputs, `${label} call.inputs`)) {
      input.checkTemplates([...at, 'inputs'], inputs);
      if (callee) checkInputs(input, [...at, 'inputs'], inputs, String(playbook), callee);
    }
    const outputs = spec.outputs ?? {};
    if (expectMapping(sink, [...at, 'outputs'], outputs, `${label} call.outputs`))
      checkOutputs(input, [...at, 'outputs'], outputs, callee);
    const timeoutMs =
      spec.timeout === undefined
        ? undefined
        : durationOr(
            spec.timeout,
            0,
            [...at, 'timeout'],
            sink,
            `${label} call.timeout`,
            MAX_WAIT_MS,
          );
    def = {
      kind: 'call',
      playbook: String(playbook),
      version: typeof version === 'string' ? version : undefined,
      inputs: inputs as Record<string, unknown>,
      outputs: outputs as Record<string, unknown>,
      timeoutMs,
      next: '',
      onFailure: undefined,
    };
  }
  const next = value.next;
  const nextOk = next !== undefined && input.target([...path, 'next'], next, 'next');
  const onFailure = value.on_failure;
  const onFailureOk =
    onFailure === undefined || input.target([...path, 'on_failure'], onFailure, 'on_failure');
  if (!def || input.erredSince(before) || !nextOk || !onFailureOk) return undefined;
  return { ...def, next, onFailure };
}

/** The called playbook's summary when it is known and callable from here; reports why not. */
function checkCallee(input: ValidateInput, at: YamlPath, id: string): CallablePlaybook | undefined {
  const { sink, label, ctx, playbookId } = input;
  const index = ctx.playbooks;
  if (!index) return undefined;
  const callee = index.get(id);
  if (!callee) {
    const known = [...index.keys()].filter((k) => k !== playbookId).sort();
    const hint = suggest(id, known);
    sink.error(
      at,
      'CORDON_ERR_PLAYBOOK_CALL',
      `${label} calls playbook "${id}", which no file in playbooks/ defines.${hint ? ` Did you mean "${hint}"?` : known.length > 0 ? ` Known playbooks: ${known.join(', ')}.` : ' Add the playbook to playbooks/.'}`,
    );
    return undefined;
  }
  if (playbookId !== undefined) {
    const cycle = callCycle(index, playbookId, id);
    if (cycle) {
      sink.error(
        at,
        'CORDON_ERR_PLAYBOOK_CALL',
        `${label} calls playbook "${id}", which closes a call cycle: ${cycle.join(' → ')}. A run would call itself without end; break the cycle (move the shared states into a playbook neither calls back).`,
      );
      return undefined;
    }
    const { depth, chain } = callDepth(index, id);
    if (depth + 1 > MAX_CALL_DEPTH) {
      sink.error(
        at,
        'CORDON_ERR_PLAYBOOK_CALL',
        `${label} calls playbook "${id}", making calls nest ${depth + 1} deep (${[playbookId, ...chain].join(' → ')}); at most ${MAX_CALL_DEPTH} are allowed. Flatten the chain: call the inner playbooks from here rather than through each other.`,
      );
      return undefined;
    }
  }
  return callee;
}

function checkInputs(
  input: ValidateInput,
  at: YamlPath,
  inputs: Record<string, unknown>,
  id: string,
  callee: CallablePlaybook,
): void {
  const { sink, label } = input;
  const declared = callee.inputs ?? {};
  const names = Object.keys(declared);
  for (const name of Object.keys(inputs)) {
    if (name in declared) continue;
    const hint = suggest(name, names);
    sink.error(
      [...at, name],
      'CORDON_ERR_PLAYBOOK_CALL',
      callee.inputs === undefined
        ? `${label} passes input "${name}" to playbook "${id}", which declares no inputs. Remove it, or declare it under "inputs:" in "${id}" (${callee.at}).`
        : `${label} passes input "${name}" to playbook "${id}", which does not declare it.${hint ? ` Did you mean "${hint}"?` : ` It declares: ${names.join(', ')}.`}`,
      true,
    );
  }
  const missing = names.filter((n) => declared[n]?.required && !(n in inputs));
  if (missing.length > 0)
    sink.error(
      at,
      'CORDON_ERR_PLAYBOOK_CALL',
      `${label} does not pass ${missing.map((m) => `"${m}"`).join(', ')}, which playbook "${id}" requires (${callee.at}). Add ${missing.length === 1 ? 'it' : 'them'} under call.inputs.`,
    );
}

/**
 * Output values are templates over the child's scope once it ended: `incident.*`, `run.*`
 * (with `run.outcome`, `run.inputs`) and `steps.<a step state of the called playbook>`.
 */
function checkOutputs(
  input: ValidateInput,
  at: YamlPath,
  outputs: Record<string, unknown>,
  callee: CallablePlaybook | undefined,
): void {
  const { sink, label } = input;
  for (const name of Object.keys(outputs)) {
    if (!OUTPUT_NAME.test(name))
      sink.error(
        [...at, name],
        'CORDON_ERR_DEFINITION_VALUE',
        `${label} output name "${name}" must start with a letter or "_" and hold only letters, digits, "_" and "-" (templates read it as steps.<state>.result.<name>).`,
        true,
      );
  }
  for (const found of collectTemplates(outputs, at)) {
    const parsed = parseTemplate(found.text);
    if (!parsed.ok) {
      sink.error(found.at, 'CORDON_ERR_PLAYBOOK_TEMPLATE', `${label}: ${parsed.reason}.`);
      continue;
    }
    for (const part of parsed.parts) {
      if (typeof part === 'string') continue;
      const [root, first] = part.path;
      let problem: string | undefined;
      if (root === 'run' && first !== undefined && !CHILD_RUN_FIELDS.includes(String(first)))
        problem = `names unknown run field "${String(first)}"; known: ${CHILD_RUN_FIELDS.join(', ')}`;
      else if (root === 'steps' && callee && !callee.stepStates.includes(String(first)))
        problem = `names "${String(first ?? '')}", which is not a step of the called playbook; its steps: ${callee.stepStates.join(', ') || 'none'}`;
      else if (root !== 'run' && root !== 'steps' && root !== 'incident')
        problem = `starts with "${String(root)}"; outputs read the called run's incident, run or steps`;
      if (problem)
        sink.error(
          found.at,
          'CORDON_ERR_PLAYBOOK_TEMPLATE',
          `${label} output: {{ ${part.source} }} ${problem}.`,
        );
    }
  }
}
