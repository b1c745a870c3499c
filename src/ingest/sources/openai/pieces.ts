/**
 * What a chat completion call tells us, whichever way it was logged (a response object, an
 * SSE stream, a request, a gateway envelope). Readers fill these; `llm-event.ts` maps them.
 */
export interface UsagePieces {
  readonly tokens_in?: number;
  readonly tokens_out?: number;
  readonly tokens_total?: number;
  readonly tokens_cached?: number;
  readonly tokens_reasoning?: number;
}

export interface ResponsePieces {
  readonly id: string | undefined;
  /** Epoch ms from `created`, if usable. */
  readonly time: number | undefined;
  /** The resolved model snapshot (`gpt-4o-mini-2024-07-18`). */
  readonly model: string | undefined;
  readonly content: string | undefined;
  readonly refusal: string | undefined;
  /** finish_reason of every choice, in order (null ones left out). */
  readonly finishReasons: readonly string[];
  readonly toolCalls: number;
  /** undefined = the response carried no usage (reported as a warning by the reader). */
  readonly usage: UsagePieces | undefined;
  readonly systemFingerprint: string | undefined;
  readonly serviceTier: string | undefined;
  readonly error: ErrorPieces | undefined;
  readonly streamed: boolean;
  /** The response as logged, with the generated text taken out (it lives in `text`). */
  readonly raw: unknown;
}

export interface ErrorPieces {
  readonly message: string | undefined;
  readonly type: string | undefined;
  readonly code: string | undefined;
}

export interface RequestPieces {
  readonly model: string | undefined;
  readonly user: string | undefined;
  readonly prompt: string | undefined;
  readonly systemPrompt: string | undefined;
  readonly stream: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  /** The request as logged, with the message text taken out (it lives in `text`). */
  readonly raw: unknown;
}

/** Gateway envelope fields beside `request` and `response`. */
export interface EnvelopePieces {
  readonly latencyMs: number | undefined;
  /** `cost`: what the call cost, in USD (the unit of LiteLLM's `response_cost`). */
  readonly costUsd: number | undefined;
  readonly user: string | undefined;
  readonly apiKeyHash: string | undefined;
}

/** Placeholder left in `raw` where text was moved out, so redaction of `text` is not bypassed. */
export const MOVED_TO_TEXT = '[moved to text]';
