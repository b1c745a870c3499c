import { OPERATIONS } from '../../actions/operations.js';
import { FAILED_STATE } from '../definition/failed-state.js';
import type { PlaybookDefinition } from '../definition/types.js';
import { stateKind } from '../kinds/registry.js';
import type { GraphNode } from '../kinds/tooling.js';

/**
 * Classes the diagram marks states with (Mermaid classDef): approvals, mutations that run with
 * no approval in front of them (`automatic: true`), mutations behind one, and the end states.
 */
const CLASS_DEFS: Readonly<Record<string, string>> = {
  approval: 'fill:#fff4c2,stroke:#b7950b,stroke-width:2px',
  automatic: 'fill:#fde2e1,stroke:#c0392b,stroke-width:2px',
  mutation: 'fill:#fdebd0,stroke:#ca6f1e',
  final: 'fill:#e8f6ef,stroke:#1e8449',
  failed: 'fill:#f2f3f4,stroke:#7b7d7d',
};

/**
 * A Mermaid `stateDiagram-v2` of a playbook: every state as its kind draws it (the kind's
 * `graph` hook), every transition labelled with what takes it, the implicit failure state when
 * some action can fail into it, approvals and automatic mutations marked.
 */
export function playbookGraph(def: PlaybookDefinition): string {
  const nodes = new Map<string, GraphNode>();
  for (const [name, state] of Object.entries(def.states)) {
    const node = stateKind(state.kind)?.graph?.(state, {
      operation: (op) => OPERATIONS[op],
    });
    nodes.set(name, node ?? { edges: [] });
  }
  const ids = new Map<string, string>();
  const id = (name: string): string => {
    let found = ids.get(name);
    if (!found) {
      found = mermaidId(name, ids.size, new Set(ids.values()));
      ids.set(name, found);
    }
    return found;
  };
  const lines = ['stateDiagram-v2'];
  if (def.title) lines.push(`  %% ${oneLine(def.title)} (${def.id})`);
  for (const name of Object.keys(def.states)) {
    const node = nodes.get(name) as GraphNode;
    if (node.choice) lines.push(`  state ${id(name)} <<choice>>`);
    else lines.push(`  state "${label(name)}" as ${id(name)}`);
    if (node.note) lines.push(`  ${id(name)} : ${label(node.note)}`);
    if (node.outcome) lines.push(`  ${id(name)} : end (${node.outcome})`);
  }
  const usesFailed = [...nodes.values()].some((n) => n.edges.some((e) => e.to === FAILED_STATE));
  if (usesFailed && !(FAILED_STATE in def.states)) {
    lines.push(`  state "failed" as ${id(FAILED_STATE)}`);
    lines.push(`  ${id(FAILED_STATE)} : end (failed)`);
  }
  lines.push(`  [*] --> ${id(def.start)}`);
  for (const [name, node] of nodes) {
    for (const edge of node.edges)
      lines.push(`  ${id(name)} --> ${id(edge.to)} : ${label(edge.label)}`);
    if (node.outcome) lines.push(`  ${id(name)} --> [*]`);
  }
  if (usesFailed) lines.push(`  ${id(FAILED_STATE)} --> [*]`);
  const byClass = new Map<string, string[]>();
  for (const [name, node] of nodes)
    for (const c of node.classes ?? []) byClass.set(c, [...(byClass.get(c) ?? []), id(name)]);
  if (usesFailed) byClass.set('failed', [id(FAILED_STATE)]);
  for (const [c, members] of byClass) {
    lines.push(`  classDef ${c} ${CLASS_DEFS[c] ?? 'stroke-width:2px'}`);
    lines.push(`  class ${members.join(',')} ${c}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Words Mermaid's state diagram parser reads as keywords. */
const KEYWORDS = new Set(['end', 'state', 'note', 'class', 'classDef', 'direction', 'as']);

/** State names allow `-`, which Mermaid ids do not; some names are Mermaid keywords. */
function mermaidId(name: string, n: number, used: ReadonlySet<string>): string {
  const clean = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '');
  return /^[A-Za-z]/.test(clean) && !KEYWORDS.has(clean) && !used.has(clean)
    ? clean
    : `s${n}_${clean}`;
}

/** Text Mermaid shows as is: one line, without the characters its parser splits on. */
function label(text: string): string {
  return oneLine(text).replace(/[;#]/g, ' ').replace(/"/g, "'");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
