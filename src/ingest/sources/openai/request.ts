import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject, setOwn } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { contentText, optionalString } from './fields.js';
import { MOVED_TO_TEXT } from './pieces.js';
import type { RequestPieces } from './pieces.js';

const SYSTEM_ROLES = new Set(['system', 'developer']);

/**
 * A chat completion request: the requested model (an alias such as `gpt-4o-mini`), the end
 * user, and the text. `text.prompt` holds the user turns, `text.system_prompt` the
 * system/developer turns; assistant and tool turns stay out of both.
 */
export function readRequest(value: unknown, at: Location): RequestPieces | undefined {
  if (!isJsonObject(value)) {
    at.error(
      `must be a chat completion request (a JSON object with model and messages); got ${got(value)}.`,
    );
    return undefined;
  }
  const model = optionalString(value, 'model', at);
  const user = optionalString(value, 'user', at);
  const messages = getOwn(value, 'messages');
  const prompts: string[] = [];
  const systems: string[] = [];
  let ok = true;
  if (messages !== undefined && !Array.isArray(messages)) {
    at.child('messages').error(
      `must be an array of messages ({role, content}); got ${got(messages)}.`,
    );
    ok = false;
  }
  const rawMessages = Array.isArray(messages)
    ? messages.map((message: unknown, index) => {
        const messageAt = at.child('messages').child(index);
        if (!isJsonObject(message) || typeof getOwn(message, 'role') !== 'string') {
          messageAt.error(`must be a message object with a "role" string; got ${got(message)}.`);
          ok = false;
          return message;
        }
        const text = contentText(getOwn(message, 'content'));
        const role = getOwn(message, 'role') as string;
        if (text !== undefined && role === 'user') prompts.push(text);
        if (text !== undefined && SYSTEM_ROLES.has(role)) systems.push(text);
        return withoutText(message);
      })
    : messages;
  const stream = getOwn(value, 'stream') === true;
  const metadata = readMetadata(getOwn(value, 'metadata'));
  if (!ok) return undefined;
  const raw: JsonObject = {};
  for (const [key, v] of Object.entries(value))
    setOwn(raw, key, key === 'messages' ? rawMessages : v);
  return {
    model,
    user,
    prompt: prompts.length > 0 ? prompts.join('\n\n') : undefined,
    systemPrompt: systems.length > 0 ? systems.join('\n\n') : undefined,
    stream,
    metadata,
    raw,
  };
}

function withoutText(message: JsonObject): JsonObject {
  if (getOwn(message, 'content') === undefined || getOwn(message, 'content') === null)
    return message;
  const copy: JsonObject = {};
  for (const [key, v] of Object.entries(message))
    setOwn(copy, key, key === 'content' ? MOVED_TO_TEXT : v);
  return copy;
}

/** Request `metadata` (string → string, up to 16 pairs in the API); other values are skipped. */
function readMetadata(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [key, v] of Object.entries(value).slice(0, 32))
    if (typeof v === 'string') setOwn(out, key, v);
  return out;
}
