import { sparklinePath } from '../lib/chart';

/** Matches per hour over the last 24 h, with the numbers in words for screen readers. */
export function Sparkline(props: { values: readonly number[] }) {
  const total = props.values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...props.values);
  const label = `${total} matches in the last ${props.values.length} h, at most ${peak} in an hour`;
  return (
    <svg class="sparkline" viewBox="0 0 96 24" width="96" height="24" role="img" aria-label={label}>
      <title>{label}</title>
      <path d={sparklinePath(props.values, 96, 22)} transform="translate(0 1)" />
    </svg>
  );
}
