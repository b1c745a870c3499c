import { layoutGraph, NODE_H, NODE_W, type PlaybookGraph, type StateMark } from '../lib/graph';

const MARK_WORD: Record<StateMark, string> = {
  current: 'current',
  visited: 'visited',
  failed: 'failed here',
  idle: 'not reached',
};

/**
 * The playbook as a layered SVG, states marked by the run (current, visited, failed), and
 * beside it the same states as an ordered list for the keyboard and screen readers.
 */
export function PlaybookGraphView(props: {
  graph: PlaybookGraph;
  marks: ReadonlyMap<string, StateMark>;
}) {
  const layout = layoutGraph(props.graph);
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  const mark = (name: string): StateMark => props.marks.get(name) ?? 'idle';
  const M = 48;
  return (
    <div class="graph">
      <svg
        viewBox={`${-M} ${-M} ${layout.width + 2 * M} ${layout.height + 2 * M}`}
        role="img"
        aria-label="Playbook graph; the list beside it names each state and its mark"
        class="graph-svg"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 8 8"
            refX="8"
            refY="4"
            markerWidth="8"
            markerHeight="8"
            orient="auto"
          >
            <path d="M0 0L8 4L0 8z" class="arrowhead" />
          </marker>
        </defs>
        {layout.edges.map((e, i) => {
          const a = byId.get(e.from);
          const b = byId.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + NODE_W / 2;
          const y1 = a.y + NODE_H;
          const x2 = b.x + NODE_W / 2;
          const y2 = b.y;
          // A transition that skips layers bends out to the side, around the states between.
          const side = x2 >= x1 ? 1 : -1;
          const lane = Math.min(
            layout.width + M - 4,
            Math.max(
              -M + 4,
              (side > 0 ? Math.max(x1, x2) : Math.min(x1, x2)) + side * NODE_W * 0.75,
            ),
          );
          const d = e.back
            ? `M${a.x + NODE_W} ${a.y + NODE_H / 2}C${a.x + NODE_W + 40} ${a.y},${b.x + NODE_W + 40} ${b.y + NODE_H},${b.x + NODE_W} ${b.y + NODE_H / 2}`
            : b.layer - a.layer > 1
              ? `M${x1} ${y1}C${lane} ${y1 + NODE_H},${lane} ${y2 - NODE_H},${x2} ${y2}`
              : `M${x1} ${y1}C${x1} ${(y1 + y2) / 2},${x2} ${(y1 + y2) / 2},${x2} ${y2}`;
          return (
            <path key={i} d={d} class="edge" marker-end="url(#arrow)">
              <title>{`${a.name} → ${b.name}: ${e.label}`}</title>
            </path>
          );
        })}
        {layout.nodes.map((n) => (
          <g
            key={n.id}
            class={`node node-${n.kind} mark-${mark(n.name)}`}
            aria-current={mark(n.name) === 'current' ? 'step' : undefined}
            transform={`translate(${n.x} ${n.y})`}
          >
            <rect width={NODE_W} height={NODE_H} rx={n.kind === 'choice' ? 22 : 6} />
            <text x={NODE_W / 2} y={n.note ? 18 : 27} text-anchor="middle" class="node-name">
              {n.kind === 'choice' ? `◇ ${n.name}` : n.name}
            </text>
            {n.note && (
              <text x={NODE_W / 2} y={34} text-anchor="middle" class="node-note">
                {n.note.length > 24 ? `${n.note.slice(0, 23)}…` : n.note}
              </text>
            )}
            <title>{`${n.name}${n.note ? `: ${n.note}` : ''} (${MARK_WORD[mark(n.name)]})`}</title>
          </g>
        ))}
      </svg>
      <ol class="graph-list" aria-label="Playbook states">
        {layout.nodes.map((n) => (
          <li
            key={n.id}
            class={`mark-${mark(n.name)}`}
            aria-current={mark(n.name) === 'current' ? 'step' : undefined}
          >
            <strong>{n.name}</strong> <span class="mark-word">({MARK_WORD[mark(n.name)]})</span>
            {n.note && <span class="muted"> — {n.note}</span>}
            {props.graph.edges.filter((e) => e.from === n.id).length > 0 && (
              <ul>
                {props.graph.edges
                  .filter((e) => e.from === n.id)
                  .map((e, i) => (
                    <li key={i}>
                      {e.label || 'then'} → {byId.get(e.to)?.name ?? e.to}
                    </li>
                  ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
