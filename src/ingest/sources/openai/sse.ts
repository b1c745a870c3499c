import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { readCreated, readUsage } from './fields.js';
import type { ResponsePieces, UsagePieces } from './pieces.js';
import { readError } from './response.js';

const DONE = '[DONE]';

/**
 * A streamed chat completion as logged off the wire: `text/event-stream` with one
 * `chat.completion.chunk` per `data:` event and `data: [DONE]` last. The deltas are joined
 * into one completion. Usage only comes in a final chunk when the caller set
 * `stream_options.include_usage`; without it there are no token counts (a warning). A chunk
 * that is not valid JSON means the log was cut: the stream is refused, located by line.
 */
export function readStream(text: string, root: Location): ResponsePieces | undefined {
  const events = sseEvents(text);
  const state = new StreamState();
  let ok = true;
  let done = false;
  for (const { data, line } of events) {
    const at = root.item(line, `line ${line + 1}: `);
    if (data.trim() === DONE) {
      done = true;
      continue;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data) as unknown;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      at.error(
        `is not a complete JSON chunk (${detail}); the stream looks cut. Log the whole stream, up to "data: [DONE]".`,
      );
      ok = false;
      continue;
    }
    if (!isJsonObject(chunk)) {
      at.error(`must be a chat.completion.chunk object; got ${got(chunk)}.`);
      ok = false;
      continue;
    }
    if (!state.add(chunk, at)) ok = false;
  }
  if (state.chunks === 0 && ok) {
    root.error(
      'holds no "data:" chunks; send the stream as logged (data: {chat.completion.chunk} lines ending with data: [DONE]).',
    );
    return undefined;
  }
  if (!ok) return undefined;
  if (!done)
    root.warn(
      'the stream ends without "data: [DONE]"; it may be incomplete (the text so far was kept).',
    );
  if (state.usage === undefined && state.error === undefined)
    root.warn(
      'no usage in the stream: no token counts. Set stream_options.include_usage so the last chunk carries usage.',
    );
  return state.pieces();
}

/** SSE events (blank-line separated), each with its joined `data` and its first data line. */
function sseEvents(text: string): { data: string; line: number }[] {
  const out: { data: string; line: number }[] = [];
  let data: string[] = [];
  let first = -1;
  const flush = () => {
    if (data.length > 0) out.push({ data: data.join('\n'), line: first });
    data = [];
    first = -1;
  };
  text.split(/\r?\n|\r/).forEach((line, index) => {
    if (line === '') return flush();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    if (name !== 'data') return undefined;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (first < 0) first = index;
    data.push(value);
    return undefined;
  });
  flush();
  return out;
}

class StreamState {
  chunks = 0;
  id: string | undefined;
  time: number | undefined;
  model: string | undefined;
  systemFingerprint: string | undefined;
  serviceTier: string | undefined;
  usage: UsagePieces | undefined;
  error: ResponsePieces['error'];
  readonly content: string[] = [];
  readonly refusal: string[] = [];
  readonly finishReasons: string[] = [];
  readonly toolCallIds = new Set<string>();

  add(chunk: JsonObject, at: Location): boolean {
    this.chunks += 1;
    const error = readError(getOwn(chunk, 'error'));
    if (error !== undefined) {
      this.error = error;
      return true;
    }
    const object = getOwn(chunk, 'object');
    if (object !== undefined && object !== 'chat.completion.chunk') {
      at.child('object').error(`must be "chat.completion.chunk"; got ${got(object)}.`);
      return false;
    }
    this.id ??= text(chunk, 'id');
    this.model ??= text(chunk, 'model');
    this.systemFingerprint ??= text(chunk, 'system_fingerprint');
    this.serviceTier ??= text(chunk, 'service_tier');
    let ok = true;
    if (this.time === undefined) {
      const created = readCreated(getOwn(chunk, 'created'), at.child('created'));
      if (created === null) ok = false;
      else this.time = created;
    }
    const usage = getOwn(chunk, 'usage');
    if (usage !== undefined && usage !== null) {
      const read = readUsage(usage, at.child('usage'));
      if (read === null) ok = false;
      else this.usage = read;
    }
    const choices = getOwn(chunk, 'choices');
    if (Array.isArray(choices)) for (const choice of choices) this.#choice(choice);
    return ok;
  }

  #choice(choice: unknown): void {
    if (!isJsonObject(choice)) return;
    const finish = getOwn(choice, 'finish_reason');
    if (typeof finish === 'string') this.finishReasons.push(finish);
    const delta = getOwn(choice, 'delta');
    // Only the first choice's text is assembled (n > 1 streams interleave alternatives).
    if (!isJsonObject(delta) || (getOwn(choice, 'index') ?? 0) !== 0) return;
    const content = getOwn(delta, 'content');
    if (typeof content === 'string') this.content.push(content);
    const refusal = getOwn(delta, 'refusal');
    if (typeof refusal === 'string') this.refusal.push(refusal);
    const calls = getOwn(delta, 'tool_calls');
    if (Array.isArray(calls))
      for (const call of calls)
        if (isJsonObject(call))
          this.toolCallIds.add(String(getOwn(call, 'index') ?? getOwn(call, 'id')));
  }

  pieces(): ResponsePieces {
    const content = this.content.join('');
    const refusal = this.refusal.join('');
    return {
      id: this.id,
      time: this.time,
      model: this.model,
      content: content === '' ? undefined : content,
      refusal: refusal === '' ? undefined : refusal,
      finishReasons: this.finishReasons,
      toolCalls: this.toolCallIds.size,
      usage: this.usage,
      systemFingerprint: this.systemFingerprint,
      serviceTier: this.serviceTier,
      error: this.error,
      streamed: true,
      raw: {
        object: 'chat.completion.chunk stream',
        id: this.id,
        model: this.model,
        chunks: this.chunks,
        finish_reasons: this.finishReasons,
        usage: this.usage ?? null,
      },
    };
  }
}

function text(object: JsonObject, key: string): string | undefined {
  const v = getOwn(object, key);
  return typeof v === 'string' && v !== '' ? v : undefined;
}
