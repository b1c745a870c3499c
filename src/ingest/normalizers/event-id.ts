import type { NormalisedEvent } from '../canonical-event.js';
import { sha256Hex, stableStringify } from '../../shared/hash.js';

/** 128 bits of SHA-256: ample against collisions, short enough for keys and logs. */
const HASH_HEX_CHARS = 32;

/** `<prefix>_<hash>` from a sender's natural dedupe key (Alertmanager, Splunk). */
export function prefixedHashId(prefix: string, key: string): string {
  return `${prefix}_${sha256Hex(key).slice(0, HASH_HEX_CHARS)}`;
}

/**
 * Content id for events without a sender id. Hashes the normalised content (defaults
 * applied, time in ms), so a resend in another key order or time notation dedupes; the raw
 * item is left out for the same reason.
 */
export function contentHashId(content: Omit<NormalisedEvent, 'id' | 'raw'>): string {
  return `h_${sha256Hex(stableStringify(content)).slice(0, HASH_HEX_CHARS)}`;
}

/** Event ids are 1–256 printable characters: they end up in Redis keys, URLs and logs. */
export function checkEventId(id: string): string | undefined {
  if (id.length === 0) return 'must not be empty; leave "id" out to get a content hash id.';
  if (id.length > 256) return `must be at most 256 characters; this one has ${id.length}.`;
  if (/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(id)) {
    return 'must contain printable characters only (no control, format or line-break characters).';
  }
  return undefined;
}
