/**
 * Server-sent events framing (html.spec.whatwg.org/multipage/server-sent-events.html): one
 * message is `id:`, `event:` and `data:` lines and a blank line. Data is JSON, which has no raw
 * newlines, so it always fits one `data:` line.
 */
export interface SseMessage {
  readonly id?: string;
  readonly event: string;
  readonly data: unknown;
}

export function sseMessage(message: SseMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  return `${id}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** A comment line: ignored by clients, it keeps proxies and idle timers from closing the stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** The client's reconnection delay, ms. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** Keeps the properties a list schema declares (what fastify's serializer would send). */
export function projectTo(
  schema: { readonly properties: Readonly<Record<string, unknown>> },
  value: object,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value))
    if (v !== undefined && Object.hasOwn(schema.properties, name)) out[name] = v;
  return out;
}
