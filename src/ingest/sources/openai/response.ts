import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject, setOwn } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { contentText, optionalString, readCreated, readUsage } from './fields.js';
import { MOVED_TO_TEXT } from './pieces.js';
import type { ErrorPieces, ResponsePieces } from './pieces.js';

/** A `chat.completion` object (or an error body a gateway logged in its place). */
export function readResponse(value: unknown, at: Location): ResponsePieces | undefined {
  if (!isJsonObject(value)) {
    at.error(
      `must be a chat completion (a JSON object with id, created, model, choices); got ${got(value)}.`,
    );
    return undefined;
  }
  const error = readError(getOwn(value, 'error'));
  const object = getOwn(value, 'object');
  let ok = true;
  if (object === 'chat.completion.chunk') {
    at.child('object').error(
      'is one chunk of a stream; send the whole stream as text/event-stream (data: lines ending with data: [DONE]).',
    );
    ok = false;
  } else if (object !== undefined && object !== 'chat.completion' && error === undefined) {
    at.child('object').error(`must be "chat.completion"; got ${got(object)}.`);
    ok = false;
  }
  const id = optionalString(value, 'id', at);
  const time = readCreated(getOwn(value, 'created'), at.child('created'));
  const model = optionalString(value, 'model', at);
  const choices = readChoices(getOwn(value, 'choices'), at.child('choices'));
  const usageValue = getOwn(value, 'usage');
  const usage =
    usageValue === undefined || usageValue === null
      ? undefined
      : readUsage(usageValue, at.child('usage'));
  if (usageValue === undefined || usageValue === null) {
    if (error === undefined)
      at.child('usage').warn(
        'is missing: no token counts for this completion. Log the response with its usage.',
      );
  }
  if (!ok || time === null || choices === undefined || usage === null) return undefined;
  const raw: JsonObject = {};
  for (const [key, v] of Object.entries(value))
    setOwn(raw, key, key === 'choices' ? choices.raw : v);
  return {
    id,
    time,
    model,
    content: choices.content,
    refusal: choices.refusal,
    finishReasons: choices.finishReasons,
    toolCalls: choices.toolCalls,
    usage,
    systemFingerprint: optionalString(value, 'system_fingerprint', at),
    serviceTier: optionalString(value, 'service_tier', at),
    error,
    streamed: false,
    raw,
  };
}

interface Choices {
  readonly content: string | undefined;
  readonly refusal: string | undefined;
  readonly finishReasons: string[];
  readonly toolCalls: number;
  readonly raw: unknown;
}

function readChoices(value: unknown, at: Location): Choices | undefined {
  const empty: Choices = {
    content: undefined,
    refusal: undefined,
    finishReasons: [],
    toolCalls: 0,
    raw: value,
  };
  if (value === undefined || value === null) return empty;
  if (!Array.isArray(value)) {
    at.error(`must be an array of choices; got ${got(value)}.`);
    return undefined;
  }
  let ok = true;
  let content: string | undefined;
  let refusal: string | undefined;
  let toolCalls = 0;
  const finishReasons: string[] = [];
  const raw = value.map((choice: unknown, index) => {
    const choiceAt = at.child(index);
    if (!isJsonObject(choice)) {
      choiceAt.error(
        `must be a choice object ({index, message, finish_reason}); got ${got(choice)}.`,
      );
      ok = false;
      return choice;
    }
    const finish = getOwn(choice, 'finish_reason');
    if (typeof finish === 'string') finishReasons.push(finish);
    else if (finish !== undefined && finish !== null) {
      choiceAt.child('finish_reason').error(`must be a string such as "stop"; got ${got(finish)}.`);
      ok = false;
    }
    const message = getOwn(choice, 'message');
    if (!isJsonObject(message)) return choice;
    // The first choice is the answer; n > 1 alternatives are rare and stay in raw counts only.
    if (index === 0) {
      content = contentText(getOwn(message, 'content'));
      const r = getOwn(message, 'refusal');
      if (typeof r === 'string' && r !== '') refusal = r;
    }
    const calls = getOwn(message, 'tool_calls');
    if (Array.isArray(calls)) toolCalls += calls.length;
    const copy: JsonObject = {};
    for (const [key, v] of Object.entries(message))
      setOwn(
        copy,
        key,
        (key === 'content' || key === 'refusal') && typeof v === 'string' ? MOVED_TO_TEXT : v,
      );
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(choice)) setOwn(out, key, key === 'message' ? copy : v);
    return out;
  });
  return ok ? { content, refusal, finishReasons, toolCalls, raw } : undefined;
}

/** `{"error": {message, type, code}}`, the API's error body, as gateways log failed calls. */
export function readError(value: unknown): ErrorPieces | undefined {
  if (typeof value === 'string' && value !== '')
    return { message: value, type: undefined, code: undefined };
  if (!isJsonObject(value)) return undefined;
  const text = (key: string): string | undefined => {
    const v = getOwn(value, key);
    return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
  };
  return { message: text('message'), type: text('type'), code: text('code') };
}
