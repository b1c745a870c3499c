/**
 * The playbook graph for the run page: GET /v1/playbooks/{id}/graph's Mermaid state diagram
 * read back into nodes and edges (top level; a parallel state is one node), laid out in
 * layers from the start state. Pure and small: no graph library in the browser.
 */
export type NodeKind = 'state' | 'choice' | 'parallel' | 'final' | 'failed';

export interface GraphNode {
  id: string;
  /** The state's name in the playbook (what runs and timelines name). */
  name: string;
  note?: string;
  kind: NodeKind;
  classes: string[];
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

export interface PlaybookGraph {
  start: string | undefined;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function parseMermaid(text: string): PlaybookGraph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  let start: string | undefined;
  let depth = 0;
  const node = (id: string): GraphNode => {
    let found = nodes.get(id);
    if (!found) {
      found = { id, name: id, kind: 'state', classes: [] };
      nodes.set(id, found);
    }
    return found;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (depth > 0) {
      if (line.endsWith('{')) depth += 1;
      else if (line === '}') depth -= 1;
      continue;
    }
    if (line === '' || line.startsWith('%%') || line.startsWith('stateDiagram')) continue;
    let m: RegExpExecArray | null;
    if ((m = /^state "([^"]*)" as (\S+)( \{)?$/.exec(line))) {
      const n = node(m[2]!);
      n.name = m[1]!;
      if (m[3]) {
        n.kind = 'parallel';
        depth = 1;
      }
    } else if ((m = /^state (\S+) <<choice>>$/.exec(line))) {
      node(m[1]!).kind = 'choice';
    } else if ((m = /^\[\*\] --> (\S+)$/.exec(line))) {
      start = m[1]!;
      node(start);
    } else if ((m = /^(\S+) --> (\S+)(?: : (.*))?$/.exec(line))) {
      if (m[2] === '[*]') continue;
      node(m[1]!);
      node(m[2]!);
      edges.push({ from: m[1]!, to: m[2]!, label: m[3] ?? '' });
    } else if ((m = /^class (\S+) (\S+)$/.exec(line))) {
      for (const id of m[1]!.split(',')) node(id).classes.push(m[2]!);
    } else if ((m = /^(\S+) : (.*)$/.exec(line))) {
      const n = node(m[1]!);
      const end = /^end \((\w+)\)$/.exec(m[2]!);
      if (end) n.kind = end[1] === 'failed' ? 'failed' : 'final';
      else n.note = m[2]!;
    }
  }
  return { start, nodes: [...nodes.values()], edges };
}

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
  layer: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: (GraphEdge & { back: boolean })[];
  width: number;
  height: number;
}

export const NODE_W = 150;
export const NODE_H = 44;
const GAP_X = 24;
const GAP_Y = 40;

/**
 * Layers by longest path from the start over the graph without its back edges (edges that
 * close a cycle in a depth-first walk from the start), top to bottom; within a layer, the
 * diagram's order. Unreachable states go last.
 */
export function layoutGraph(graph: PlaybookGraph): GraphLayout {
  const out = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const back = new Set<GraphEdge>();
  const seen = new Set<string>();
  const onPath = new Set<string>();
  const order: string[] = [];
  const dfs = (id: string): void => {
    seen.add(id);
    onPath.add(id);
    for (const e of out.get(id) ?? []) {
      if (onPath.has(e.to)) back.add(e);
      else if (!seen.has(e.to)) dfs(e.to);
    }
    onPath.delete(id);
    order.push(id);
  };
  if (graph.start) dfs(graph.start);
  for (const n of graph.nodes) if (!seen.has(n.id)) dfs(n.id);
  const layer = new Map<string, number>();
  for (const id of order.reverse()) {
    const mine = layer.get(id) ?? 0;
    layer.set(id, mine);
    for (const e of out.get(id) ?? [])
      if (!back.has(e)) layer.set(e.to, Math.max(layer.get(e.to) ?? 0, mine + 1));
  }
  const rows = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) {
    const l = layer.get(n.id) ?? 0;
    rows.set(l, [...(rows.get(l) ?? []), n]);
  }
  // Fewer crossings: each layer in the mean order of the states that lead into it
  // (barycentres, one sweep down; ties keep the diagram's order).
  const index = new Map<string, number>();
  for (const l of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(l)!;
    const weight = (n: GraphNode): number => {
      const from = graph.edges
        .filter((e) => e.to === n.id && !back.has(e) && index.has(e.from))
        .map((e) => index.get(e.from)!);
      return from.length ? from.reduce((a, b) => a + b, 0) / from.length : Infinity;
    };
    const weights = new Map(row.map((n, i) => [n.id, [weight(n), i] as const]));
    row.sort((a, b) => {
      const [wa, ia] = weights.get(a.id)!;
      const [wb, ib] = weights.get(b.id)!;
      return wa === wb ? ia - ib : wa - wb;
    });
    row.forEach((n, i) => index.set(n.id, i));
  }
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = widest * NODE_W + (widest - 1) * GAP_X;
  const placed: PlacedNode[] = [];
  for (const [l, row] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    row.forEach((n, i) =>
      placed.push({
        ...n,
        layer: l,
        x: (width - rowWidth) / 2 + i * (NODE_W + GAP_X),
        y: l * (NODE_H + GAP_Y),
      }),
    );
  }
  const layers = rows.size === 0 ? 0 : Math.max(...rows.keys()) + 1;
  return {
    nodes: placed,
    edges: graph.edges.map((e) => ({ ...e, back: back.has(e) })),
    width,
    height: Math.max(0, layers * NODE_H + (layers - 1) * GAP_Y),
  };
}

export type StateMark = 'current' | 'visited' | 'failed' | 'idle';

/** How each state of a run's playbook is marked: where it rests, where it has been. */
export function markStates(
  run: { state: string; status: string; leaves?: Record<string, number> },
  timeline: readonly { type: string; state?: string; from?: string; to?: string }[],
): Map<string, StateMark> {
  const marks = new Map<string, StateMark>();
  for (const t of timeline) {
    for (const name of [t.type === 'started' ? t.state : undefined, t.from, t.to])
      if (name) marks.set(name, 'visited');
  }
  // Where it rests now (one state per parallel branch still going), or where it ended.
  const resting = Object.keys(run.leaves ?? {});
  for (const name of resting.length ? resting : [run.state])
    marks.set(name, run.status === 'failed' ? 'failed' : 'current');
  return marks;
}
