/**
 * The one time format of the console (lists, detail pages and chart axes alike): relative
 * for the last day ("4 min ago", "in 12 min"), absolute in UTC otherwise; the title carries
 * the exact UTC time.
 */
const DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface FormattedTime {
  /** What the page shows. */
  text: string;
  /** The exact moment, ISO 8601 UTC (for `<time datetime>`). */
  iso: string;
  /** The hover text: the absolute UTC time. */
  title: string;
}

export function formatTime(at: number, now: number): FormattedTime {
  const iso = new Date(at).toISOString();
  const title = `${absoluteUtc(at, true)}`;
  const diff = now - at;
  if (Math.abs(diff) >= DAY) return { text: absoluteUtc(at, false), iso, title };
  const text = diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
  return { text: diff >= 0 && diff < 5_000 ? 'just now' : text, iso, title };
}

/** "3 Dec 2026, 09:30 UTC" (with seconds: "3 Dec 2026, 09:30:18 UTC"). */
export function absoluteUtc(at: number, seconds: boolean): string {
  const d = new Date(at);
  const hh = pad(d.getUTCHours());
  const mm = pad(d.getUTCMinutes());
  const ss = seconds ? `:${pad(d.getUTCSeconds())}` : '';
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm}${ss} UTC`;
}

/** A clock time for chart axes: "09:30:18" (UTC, like every time on the page). */
export function clockUtc(at: number): string {
  const d = new Date(at);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** One duration format: "850 ms", "42 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const s = Math.floor(abs / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
