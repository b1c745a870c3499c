import { isMapping } from '../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';
import { computedSource } from '../expressions/computed.js';
import { parseTemplate } from '../template.js';

/** `incident` as a CEL identifier (not a field `x.incident`, not inside a string literal). */
const INCIDENT_IDENT = /(?<![.\w])incident\b/;
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;

/**
 * A playbook that declares `inputs:` may be started by hand without an incident
 * (`POST /v1/runs` with inputs only); there `incident.*` has no value and the state reading it
 * fails. Warns, at the line and column inside the text, for every template, computed value,
 * choice condition and wait (`until`, `changes`) under `states` that reads `incident.*`. A
 * call's `outputs` read the sub-run's scope and descriptions are prose: both are skipped.
 */
export function warnAdHocIncidentReads(
  rawStates: Record<string, unknown>,
  sink: DiagnosticSink,
  label: string,
): void {
  for (const { at, text } of strings(rawStates, ['states'])) {
    const offset = incidentOffset(at, text);
    if (offset === undefined) continue;
    const state = stateOf(at);
    sink.warningInText(
      at,
      'CORDON_WARN_PLAYBOOK_ADHOC_INCIDENT',
      `${label} declares inputs, so it can be started by hand without an incident (POST /v1/runs with inputs only), yet state "${state}" reads incident.* here: in such a run it has no value and the state fails. Read run.inputs.<name> instead, or start the playbook for an incident.`,
      text,
      offset,
    );
  }
}

/** Where in `text` it reads the incident, if it does. */
function incidentOffset(at: YamlPath, text: string): number | undefined {
  const computed = computedSource(text);
  if (computed !== undefined) {
    const found = celIncident(computed);
    return found === undefined ? undefined : text.indexOf(computed) + found;
  }
  if (text.includes('{{')) {
    const parsed = parseTemplate(text);
    if (!parsed.ok) return undefined;
    for (const part of parsed.parts)
      if (typeof part !== 'string' && part.path[0] === 'incident') {
        const i = text.indexOf(part.source);
        return i < 0 ? 0 : i;
      }
    return undefined;
  }
  const key = at[at.length - 1];
  const isCondition = key === 'when' && at[at.length - 3] === 'choice';
  const isWait = (key === 'until' || key === 'changes') && at[at.length - 2] === 'wait';
  return isCondition || isWait ? celIncident(text) : undefined;
}

function celIncident(source: string): number | undefined {
  const blanked = source.replace(STRING_LITERAL, (m) => ' '.repeat(m.length));
  const m = INCIDENT_IDENT.exec(blanked);
  return m ? m.index : undefined;
}

/** Every string leaf under `value` with its path, outside `description` and call `outputs`. */
function strings(value: unknown, at: YamlPath): { at: YamlPath; text: string }[] {
  if (typeof value === 'string') return [{ at, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...at, i]));
  if (!isMapping(value)) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'description' || (k === 'outputs' && at[at.length - 1] === 'call')
      ? []
      : strings(v, [...at, k]),
  );
}

/** The innermost state a path is in (`states.<name>`, branch states included). */
function stateOf(at: YamlPath): string {
  let name = '';
  for (let i = 0; i + 1 < at.length; i += 1) if (at[i] === 'states') name = String(at[i + 1]);
  return name;
}
