/**
 * Triton quotes and JSON-escapes each message (`"loading: fraud-scorer:3"`) unless
 * TRITON_SERVER_ESCAPE_LOG_MESSAGES=0, when it is written as is. Returns the plain text, or a
 * reason when a quoted message is not a valid JSON string.
 */
export function unquoteMessage(text: string): string | { readonly reason: string } {
  const trimmed = text.trim();
  if (!trimmed.startsWith('"')) return trimmed;
  if (trimmed.length >= 2 && trimmed.endsWith('"')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === 'string') return value;
    } catch {
      // reported below
    }
  }
  return {
    reason: `message ${JSON.stringify(trimmed.slice(0, 60))} starts with a quote but is not a complete JSON string (a cut line, or a quote inside an unescaped message).`,
  };
}

/** Model (and version) a message is plainly about: Triton's load/unload/backend messages. */
export function modelOfMessage(message: string): { model: string; version?: string } | undefined {
  const patterns: RegExp[] = [
    /^(?:loading|unloading): ([^\s:]+):(\d+)/,
    /(?:successfully (?:un)?loaded|failed to load|unloading model) '([^']+)'(?: version (\d+))?/i,
    /TRITONBACKEND_Model(?:Initialize|Finalize): ([^\s(]+) \(version (\d+)\)/,
    /TRITONBACKEND_ModelInstance(?:Initialize|Finalize): ([^\s(]+?)(?:_\d+)? \(/,
    /\bmodel '([^']+)'(?:,? version (\d+))?/i,
  ];
  for (const pattern of patterns) {
    const m = pattern.exec(message);
    if (m?.[1] !== undefined)
      return m[2] === undefined ? { model: m[1] } : { model: m[1], version: m[2] };
  }
  return undefined;
}
