/**
 * Trims the given characters from the end (and start) of a string by a loop. `/ +$/` and the
 * like take quadratic time on a long run of those characters followed by anything else, and
 * line bodies are untrusted.
 */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1] ?? '')) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}

export function trimStartOf(text: string, chars: string): string {
  let start = 0;
  while (start < text.length && chars.includes(text[start] ?? '')) start += 1;
  return start === 0 ? text : text.slice(start);
}
