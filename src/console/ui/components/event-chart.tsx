import { cumulativeSteps, scale, stepPath } from '../lib/chart';
import { clockUtc } from '../lib/time';
import type { MatchWindow } from '../lib/types';

const W = 560;
const H = 180;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

/**
 * The running count of a match's contributing events across its window, against the rule's
 * threshold: where the line crosses the dashed one is where the rule fired.
 */
export function EventChart(props: { match: MatchWindow }) {
  const { match } = props;
  const steps = cumulativeSteps(match.eventTimes, match.windowStart, match.windowEnd);
  const known = steps[steps.length - 1]?.count ?? 0;
  // A match lists the first of its events only: the rest join the line dashed, to the count
  // reached at its last event.
  const total = Math.max(known, match.count);
  const rest = total > known && match.lastTime !== undefined ? total - known : 0;
  const lastKnown = match.eventTimes.length
    ? Math.max(...match.eventTimes.filter((t) => t <= match.windowEnd))
    : match.windowStart;
  const threshold = typeof match.threshold === 'number' ? match.threshold : undefined;
  const top = Math.max(1, total, threshold ?? 0);
  const x = scale([match.windowStart, match.windowEnd], [PAD.left, W - PAD.right]);
  const y = scale([0, top], [H - PAD.bottom, PAD.top]);
  const label =
    `${total} contributing events between ${clockUtc(match.windowStart)} and ${clockUtc(match.windowEnd)} UTC` +
    (threshold !== undefined ? `; threshold ${threshold}` : '') +
    (match.condition ? ` (${match.condition})` : '') +
    (rest ? `; ${known} of them listed with their times, the other ${rest} dashed` : '');
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <title>{label}</title>
        <line
          class="axis"
          x1={PAD.left}
          x2={W - PAD.right}
          y1={H - PAD.bottom}
          y2={H - PAD.bottom}
        />
        <line class="axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} />
        <text class="tick" x={PAD.left} y={H - 8} text-anchor="start">
          {clockUtc(match.windowStart)}
        </text>
        <text class="tick" x={W - PAD.right} y={H - 8} text-anchor="end">
          {clockUtc(match.windowEnd)} UTC
        </text>
        <text class="tick" x={PAD.left - 6} y={y(top) + 4} text-anchor="end">
          {top}
        </text>
        <text class="tick" x={PAD.left - 6} y={H - PAD.bottom} text-anchor="end">
          0
        </text>
        {threshold !== undefined && (
          <g class="threshold">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(threshold)} y2={y(threshold)} />
            <text x={W - PAD.right} y={y(threshold) - 4} text-anchor="end">
              threshold {threshold}
            </text>
          </g>
        )}
        <path
          class="series"
          d={stepPath(
            (rest ? steps.filter((s) => s.t <= lastKnown) : steps).map((s) => ({
              x: x(s.t),
              y: y(s.count),
            })),
          )}
        />
        {rest > 0 && match.lastTime !== undefined && (
          <path
            class="series series-rest"
            d={`M${x(lastKnown)} ${y(known)}L${x(Math.min(match.lastTime, match.windowEnd))} ${y(total)}H${x(match.windowEnd)}`}
          />
        )}
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
