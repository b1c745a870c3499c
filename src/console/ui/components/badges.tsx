/** Severity and status always carry their word; the colour only repeats it. */
export function SeverityBadge(props: { severity: string }) {
  return <span class={`badge sev-${safe(props.severity)}`}>{props.severity}</span>;
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge status-${safe(props.status)}`}>{props.status}</span>;
}

function safe(word: string): string {
  return word.toLowerCase().replace(/[^a-z]/g, '');
}
