import type { Location } from './findings.js';

/**
 * A body as text, decoded strictly: a lossy decode would put U+FFFD into event fields and hide
 * a sender that mixes encodings. Invalid UTF-8 is reported at `at` as "is not valid UTF-8;
 * <fix>" and gives undefined.
 */
export function readUtf8Text(body: Buffer, at: Location, fix: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    at.error(`is not valid UTF-8; ${fix}`);
    return undefined;
  }
}
