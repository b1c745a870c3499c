import type { NormalisedEvent } from '../../canonical-event.js';
import { isJsonObject } from '../../normalizers/json-values.js';

/**
 * LLM text kept on an event is capped: rules look for injections and leaks in it, and a 200k
 * token context pasted into every event would swamp the store. What was cut is named in
 * TEXT_TRUNCATED_LABEL so an analyst knows to look at the sender's own logs.
 */
export const TEXT_LIMIT = 16 * 1024;
export const TEXT_TRUNCATED_LABEL = 'text_truncated';

type Text = NonNullable<NormalisedEvent['text']>;

/**
 * Text of one message `content`: a string, or OpenAI-style content parts
 * (`[{type: "text", text}, {type: "image_url", …}]`) of which the text parts are kept.
 */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((part) => {
        if (typeof part === 'string') return part;
        if (isJsonObject(part) && typeof part.text === 'string') return part.text;
        return undefined;
      })
      .filter((part): part is string => part !== undefined && part !== '');
    return parts.length > 0 ? parts.join('\n') : undefined;
  }
  return undefined;
}

/**
 * A chat `messages` list as prompt text: system messages go to `system_prompt`, the rest to
 * `prompt`. One message is kept as its bare text; a conversation is written one message per
 * paragraph as `role: text`, so rules can still tell the user's words from earlier answers.
 * A plain string (text completion) or a list of strings (embeddings input, one paragraph
 * each) is the prompt.
 */
export function promptText(messages: unknown): Pick<Text, 'prompt' | 'system_prompt'> {
  if (typeof messages === 'string') return messages === '' ? {} : { prompt: messages };
  if (!Array.isArray(messages)) {
    // Langfuse `input` may be any JSON (`{question: …}`); it is still what went to the model.
    if (isJsonObject(messages)) {
      if (Array.isArray(messages.messages)) return promptText(messages.messages);
      return Object.keys(messages).length > 0 ? { prompt: JSON.stringify(messages) } : {};
    }
    return {};
  }
  // Embedding inputs: texts, not turns of a conversation.
  if (messages.length > 0 && messages.every((m) => typeof m === 'string')) {
    const texts = messages.filter((m) => m !== '');
    return texts.length > 0 ? { prompt: texts.join('\n\n') } : {};
  }
  const system: string[] = [];
  const turns: { role: string; text: string }[] = [];
  for (const message of messages) {
    if (typeof message === 'string') {
      if (message !== '') turns.push({ role: 'user', text: message });
      continue;
    }
    if (!isJsonObject(message)) continue;
    const text = contentText(message.content);
    if (text === undefined || text === '') continue;
    const role = typeof message.role === 'string' ? message.role : 'user';
    if (role === 'system' || role === 'developer') system.push(text);
    else turns.push({ role, text });
  }
  const out: Pick<Text, 'prompt' | 'system_prompt'> = {};
  if (system.length > 0) out.system_prompt = system.join('\n\n');
  if (turns.length === 1 && turns[0] !== undefined) out.prompt = turns[0].text;
  else if (turns.length > 1) out.prompt = turns.map((t) => `${t.role}: ${t.text}`).join('\n\n');
  return out;
}

/**
 * The model's answer: an OpenAI-style response (`choices[].message.content`, or `.text` of
 * text completions), a bare message (`{role, content}`, Langfuse `output`), or a string.
 */
export function responseText(response: unknown): string | undefined {
  if (typeof response === 'string') return response === '' ? undefined : response;
  if (!isJsonObject(response)) return undefined;
  if (Array.isArray(response.choices)) {
    const texts = response.choices
      .map((choice) => {
        if (!isJsonObject(choice)) return undefined;
        if (isJsonObject(choice.message)) return contentText(choice.message.content);
        return typeof choice.text === 'string' ? choice.text : undefined;
      })
      .filter((text): text is string => text !== undefined && text !== '');
    return texts.length > 0 ? texts.join('\n\n') : undefined;
  }
  if ('content' in response) return contentText(response.content);
  return Object.keys(response).length > 0 ? JSON.stringify(response) : undefined;
}

/** Caps every text field; returns the text and the label naming what was cut, if anything. */
export function capText(text: Text): { text: Text | undefined; truncated: string | undefined } {
  const out: Text = {};
  const cut: string[] = [];
  for (const key of ['prompt', 'response', 'system_prompt'] as const) {
    const value = text[key];
    if (value === undefined) continue;
    if (value.length > TEXT_LIMIT) {
      out[key] = value.slice(0, TEXT_LIMIT);
      cut.push(key);
    } else out[key] = value;
  }
  return {
    text: Object.keys(out).length > 0 ? out : undefined,
    truncated: cut.length > 0 ? cut.join(',') : undefined,
  };
}

/** Adds capped text and its truncation label to an event under construction. */
export function withText<T extends { labels: Record<string, string>; text?: Text }>(
  event: T,
  text: Text,
): T {
  const capped = capText(text);
  if (capped.text !== undefined) event.text = capped.text;
  if (capped.truncated !== undefined) event.labels[TEXT_TRUNCATED_LABEL] = capped.truncated;
  return event;
}
