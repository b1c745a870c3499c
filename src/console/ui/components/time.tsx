import { useConsole } from '../lib/context';
import { formatDuration, formatTime } from '../lib/time';

/** A moment as the whole console shows it: relative when recent, absolute (UTC) otherwise. */
export function Time(props: { at: number | undefined | null }) {
  const { now } = useConsole();
  if (props.at === undefined || props.at === null) return <span>—</span>;
  // The clock ticks every few seconds: something that happened since the last tick is "just
  // now", not in the future.
  const at = props.at;
  const t = formatTime(at, at > now.value && at - now.value < 60_000 ? at : now.value);
  return (
    <time dateTime={t.iso} title={t.title}>
      {t.text}
    </time>
  );
}

/** Time left until a deadline ("12 min left"), or that it passed. */
export function TimeLeft(props: { until: number }) {
  const { now } = useConsole();
  const left = props.until - now.value;
  const t = formatTime(props.until, now.value);
  return (
    <time dateTime={t.iso} title={t.title}>
      {left > 0 ? `${formatDuration(left)} left` : `passed ${formatDuration(-left)} ago`}
    </time>
  );
}
