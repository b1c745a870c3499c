/** Pure geometry for the console's hand-drawn SVG charts. */

export interface Point {
  x: number;
  y: number;
}

/** The running count of events over [start, end]: a step line (count after each event). */
export function cumulativeSteps(
  times: readonly number[],
  start: number,
  end: number,
): { t: number; count: number }[] {
  const inside = times.filter((t) => t >= start && t <= end).sort((a, b) => a - b);
  const steps = [{ t: start, count: 0 }];
  inside.forEach((t, i) => steps.push({ t, count: i + 1 }));
  steps.push({ t: end, count: inside.length });
  return steps;
}

/** A step path ("M x y H x V y …") for points already in SVG coordinates. */
export function stepPath(points: readonly Point[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points as [Point, ...Point[]];
  let d = `M${round(first.x)} ${round(first.y)}`;
  for (const p of rest) d += `H${round(p.x)}V${round(p.y)}`;
  return d;
}

/** A sparkline path for values in a width × height box (min 0 at the bottom). */
export function sparklinePath(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const stepX = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map(
      (v, i) => `${i === 0 ? 'M' : 'L'}${round(i * stepX)} ${round(height - (v / max) * height)}`,
    )
    .join('');
}

export function scale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
