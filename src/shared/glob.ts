const compiled = new Map<string, RegExp>();

/**
 * Whether `text` matches `pattern`, where `*` matches any run of characters and everything else
 * is literal. Patterns come from loaded definitions (a bounded set), so they are cached.
 */
export function globMatches(pattern: string, text: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    compiled.set(key, re);
  }
  return re.test(text);
}
