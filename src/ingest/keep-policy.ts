import { createHash } from 'node:crypto';
import type { CanonicalEvent, NormalisedEvent } from './canonical-event.js';

/**
 * What of a sender's payload is stored beside the canonical event (ingest "Behaviour": the log
 * does not store each event twice). `always` keeps the original item as `raw`; `on-failure`
 * keeps originals only where something failed (refused items and bodies are kept whole as dead
 * letters); `sampled` keeps `raw` for a deterministic share of events (by id, so a resend makes
 * the same choice); `none` keeps no original at all.
 */
export const RAW_POLICIES = ['always', 'on-failure', 'sampled', 'none'] as const;
export type RawPolicy = (typeof RAW_POLICIES)[number];

/** Prompt and response text: kept, redacted (secrets, emails, card numbers) or dropped. */
export const TEXT_POLICIES = ['keep', 'redact', 'drop'] as const;
export type TextPolicy = (typeof TEXT_POLICIES)[number];

export interface KeepPolicy {
  readonly raw: RawPolicy;
  /** Share of events whose raw is kept under `sampled`, 0..1. */
  readonly rawSample: number;
  readonly text: TextPolicy;
  /**
   * How long this source's prompt/response text is kept after its event was accepted (ms; 0:
   * as long as its event), overriding CORDON_RETENTION_TEXT_MS. Undefined: that setting.
   */
  readonly textMs?: number;
}

export const DEFAULT_KEEP_POLICY: KeepPolicy = { raw: 'always', rawSample: 0.01, text: 'keep' };

/**
 * Secrets and personal data that must not sit in stored prompts. Ordered: the most specific
 * first, so an API key is not half-eaten by a looser pattern.
 */
const REDACTIONS: readonly (readonly [RegExp, string])[] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    '[REDACTED:private_key]',
  ],
  [/\b(?:sk|pk|rk)-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}\b/g, '[REDACTED:api_key]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[REDACTED:aws_key]'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, '[REDACTED:github_token]'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g, '[REDACTED:slack_token]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, '[REDACTED:jwt]'],
  [/\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/g, '[REDACTED:credential]'],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, '[REDACTED:email]'],
  [/\b\d(?:[ -]?\d){12,18}\b/g, '[REDACTED:card_number]'],
];

/** Replaces secrets, emails and card-like numbers in one text. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}

/** Redacts every string inside a JSON value (raw items carry the same prompts). */
function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}

function sampled(id: string, share: number): boolean {
  if (share >= 1) return true;
  if (share <= 0) return false;
  const n = createHash('sha256').update(id).digest().readUInt32BE(0);
  return n / 0x1_0000_0000 < share;
}

/**
 * A prompt's identity without its words: the first 16 hex digits of the SHA-256 of
 * `text.prompt`, so rules and anomaly features (input_diversity) can count distinct and
 * repeated inputs even where `keep.text` drops the text. A sender's own label is kept.
 */
export const INPUT_HASH_LABEL = 'input_hash';

/** Labels an event with its prompt's hash (see INPUT_HASH_LABEL); in place. */
export function addInputHash(event: NormalisedEvent): void {
  const prompt = event.text?.prompt;
  if (typeof prompt !== 'string' || prompt === '') return;
  if (Object.hasOwn(event.labels, INPUT_HASH_LABEL)) return;
  event.labels[INPUT_HASH_LABEL] = createHash('sha256').update(prompt).digest('hex').slice(0, 16);
}

/**
 * The stored form of one accepted event under a policy. `rawFromSender`: the generic kind's raw
 * is what the sender itself chose to attach, not a copy of the event, so only `none` drops it.
 */
export function applyKeepPolicy(
  event: NormalisedEvent,
  policy: KeepPolicy,
  stamp: { readonly source: string; readonly received: number },
  rawFromSender: boolean,
): CanonicalEvent {
  const { raw, text } = event;
  const keepRaw =
    raw !== undefined &&
    (policy.raw === 'always' ||
      (rawFromSender && policy.raw !== 'none') ||
      (policy.raw === 'sampled' && sampled(`${stamp.source}/${event.id}`, policy.rawSample)));
  // Events are fresh objects of this request: stamped in place, since a copy per event is a
  // measurable share of ingest time at batch rates.
  const out = event as CanonicalEvent;
  addInputHash(out);
  out.source = stamp.source;
  out.received = stamp.received;
  if (!keepRaw) delete out.raw;
  if (text === undefined || Object.keys(text).length === 0 || policy.text === 'keep') return out;
  if (policy.text === 'drop') {
    delete out.text;
    // The original item holds the same prompt; it cannot be kept without it.
    delete out.raw;
    return out;
  }
  out.text = Object.fromEntries(
    Object.entries(text).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]),
  );
  if (out.raw !== undefined) out.raw = redactDeep(out.raw);
  return out;
}
