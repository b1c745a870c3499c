import { sparklinePath } from '../lib/chart';
import { formatDuration } from '../lib/time';

/** Matches per bucket (half hours, by default hours) over the last day, with the numbers in words for screen readers. */
export function Sparkline(props: { values: readonly number[]; bucketMs?: number | undefined }) {
  const total = props.values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...props.values);
  const bucket = props.bucketMs ?? 3_600_000;
  const label = `${total} matches in the last ${Math.round((props.values.length * bucket) / 3_600_000)} h, at most ${peak} in ${formatDuration(bucket)}`;
  return (
    <svg class="sparkline" viewBox="0 0 96 24" width="96" height="24" role="img" aria-label={label}>
      <title>{label}</title>
      <path d={sparklinePath(props.values, 96, 22)} transform="translate(0 1)" />
    </svg>
  );
}
