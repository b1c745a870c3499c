import { OPERATIONS } from '../../actions/operations.js';
import { describeTrigger } from '../definition/trigger-filters.js';
import { FAILED_STATE } from '../definition/failed-state.js';
import type { PlaybookDefinition, StateDefinition } from '../definition/types.js';
import { stateKind } from '../kinds/registry.js';
import type { GraphNode, GraphRegion } from '../kinds/tooling.js';

/**
 * Classes the diagram marks states with (Mermaid classDef): approvals, mutations that run with
 * no approval in front of them (`automatic: true`), mutations behind one, calls of other
 * playbooks, and the end states.
 */
const CLASS_DEFS: Readonly<Record<string, string>> = {
  approval: 'fill:#fff4c2,stroke:#b7950b,stroke-width:2px',
  automatic: 'fill:#fde2e1,stroke:#c0392b,stroke-width:2px',
  mutation: 'fill:#fdebd0,stroke:#ca6f1e',
  final: 'fill:#e8f6ef,stroke:#1e8449',
  failed: 'fill:#f2f3f4,stroke:#7b7d7d',
  call: 'fill:#e8f0fe,stroke:#2e5cb8,stroke-dasharray:4 2',
};

/**
 * A Mermaid `stateDiagram-v2` of a playbook: every state as its kind draws it (the kind's
 * `graph` hook), every transition labelled with what takes it, the implicit failure state when
 * some action can fail into it, approvals and automatic mutations marked. A parallel state is
 * a composite whose concurrent regions (`--`) are its branches.
 */
export function playbookGraph(def: PlaybookDefinition): string {
  const draw = (_name: string, state: StateDefinition): GraphNode =>
    stateKind(state.kind)?.graph?.(state, {
      operation: (op) => OPERATIONS[op],
      drawState: draw,
    }) ?? { edges: [] };
  const nodes = new Map<string, GraphNode>();
  for (const [name, state] of Object.entries(def.states)) nodes.set(name, draw(name, state));
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
  lines.push(`  %% trigger: ${oneLine(describeTrigger(def.trigger))}`);
  // Every node, nested ones included, for the classes at the end.
  const all = new Map<string, GraphNode>();
  const declare = (name: string, node: GraphNode, indent: string): void => {
    all.set(name, node);
    if (node.choice) lines.push(`${indent}state ${id(name)} <<choice>>`);
    else if (node.regions) {
      lines.push(`${indent}state "${label(name)}" as ${id(name)} {`);
      node.regions.forEach((region, i) => {
        if (i > 0) lines.push(`${indent}  --`);
        drawRegion(name, region, `${indent}  `);
      });
      lines.push(`${indent}}`);
    } else lines.push(`${indent}state "${label(name)}" as ${id(name)}`);
    if (node.note) lines.push(`${indent}${id(name)} : ${label(node.note)}`);
    if (node.outcome) lines.push(`${indent}${id(name)} : end (${node.outcome})`);
  };
  // A branch is a composite of its own inside the parallel's region, so it keeps its name;
  // its end states and its failures end the branch ([*]), not the run: the join decides.
  const drawRegion = (owner: string, region: GraphRegion, indent: string): void => {
    const branchId = id(`${owner}__${region.name}`);
    lines.push(`${indent}state "${label(region.name)}" as ${branchId} {`);
    const inner = `${indent}  `;
    for (const [name, node] of Object.entries(region.states)) declare(name, node, inner);
    lines.push(`${inner}[*] --> ${id(region.start)}`);
    for (const [name, node] of Object.entries(region.states)) {
      for (const edge of node.edges)
        lines.push(
          edge.to === FAILED_STATE
            ? `${inner}${id(name)} --> [*] : ${label(`${edge.label}, branch fails`)}`
            : `${inner}${id(name)} --> ${id(edge.to)} : ${label(edge.label)}`,
        );
      if (node.outcome) lines.push(`${inner}${id(name)} --> [*]`);
    }
    lines.push(`${indent}}`);
  };
  for (const [name, node] of nodes) declare(name, node, '  ');
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
  for (const [name, node] of all)
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
