import { trimEndOf } from './trim.js';

/**
 * Splits an HTTP body of line-format messages into items: one message per line (LF, with an
 * optional CR), or RFC 6587 octet counting (`LEN SP MSG`) when the body starts with a digit —
 * what a relay forwarding its TCP stream as is sends. Lengths count octets, not characters.
 */

export interface FramedItem {
  readonly index: number;
  readonly text: string;
}

export interface FramingError {
  readonly index: number;
  readonly reason: string;
}

export interface FramedBody {
  readonly mode: 'lines' | 'octet-counted';
  readonly items: FramedItem[];
  readonly errors: FramingError[];
}

/** Largest frame accepted in a body (RFC 5425 receivers must take 2 KiB, most take 64 KiB). */
export const MAX_FRAME_OCTETS = 256 * 1024;

const LENGTH_DIGITS = 10;

export function splitBody(body: Buffer): FramedBody {
  const first = body.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first >= 0 && looksOctetCounted(body, first)) return splitOctetCounted(body, first);
  return splitLines(body.toString('utf8'));
}

/**
 * A leading digit alone would take a PRI-less line starting with a date (`2024-06-10T…`) or a
 * number for a frame length: it must be `LEN SP` followed by `<` (a PRI), or by a first frame
 * that ends exactly where the next one (or the body) does.
 */
function looksOctetCounted(body: Buffer, first: number): boolean {
  const head = /^([1-9]\d{0,9}) /.exec(body.subarray(first, first + 12).toString('latin1'));
  if (!head) return false;
  const msgStart = first + head[0].length;
  if (body[msgStart] === 0x3c) return true;
  const end = msgStart + Number(head[1]);
  return end <= body.length && atBoundary(body, end);
}

function splitLines(text: string): FramedBody {
  const items: FramedItem[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') items.push({ index, text: line });
  });
  return { mode: 'lines', items, errors: [] };
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** A plausible frame start after a framing error: `LEN <PRI>` not preceded by a digit. */
function resync(body: Buffer, text: string, from: number): number {
  const re = /(?<!\d)[1-9]\d{0,9} <\d{1,3}>/g;
  re.lastIndex = from;
  return re.exec(text)?.index ?? body.length;
}

function quote(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('utf8').slice(0, 24));
}

function splitOctetCounted(body: Buffer, start: number): FramedBody {
  const items: FramedItem[] = [];
  const errors: FramingError[] = [];
  // One byte per character, so string indexes are byte offsets (for resynchronising).
  const latin1 = body.toString('latin1');
  let i = start;
  let index = 0;
  while (i < body.length) {
    // LF/CR/space between frames is tolerated (some relays add a trailer anyway).
    const byte = body[i];
    if (byte === 0x0a || byte === 0x0d || byte === 0x20) {
      i += 1;
      continue;
    }
    const frameStart = i;
    let j = i;
    while (isDigit(body[j]) && j - i <= LENGTH_DIGITS) j += 1;
    const digits = body.subarray(i, j).toString('latin1');
    const fail = (reason: string): void => {
      errors.push({ index, reason });
      index += 1;
      i = resync(body, latin1, frameStart + 1);
    };
    if (digits === '') {
      fail(
        `expected a frame length (octet counting: LEN SP MSG) at byte ${i}; got ${quote(body.subarray(i, i + 24))}. ` +
          "The previous frame's length is probably wrong: it must count the message's octets (UTF-8 bytes).",
      );
      continue;
    }
    if (body[j] !== 0x20) {
      fail(
        `frame length ${JSON.stringify(digits)} at byte ${i} must be followed by one space; got ${quote(body.subarray(j, j + 24))}.`,
      );
      continue;
    }
    if (digits.length > 1 && digits.startsWith('0')) {
      fail(
        `frame length ${JSON.stringify(digits)} at byte ${i} must not have a leading zero (RFC 6587); send ${Number(digits)}.`,
      );
      continue;
    }
    const length = Number(digits);
    if (length === 0 || length > MAX_FRAME_OCTETS) {
      fail(`frame length ${length} at byte ${i} is outside 1–${MAX_FRAME_OCTETS} octets.`);
      continue;
    }
    const msgStart = j + 1;
    const msgEnd = msgStart + length;
    if (msgEnd > body.length) {
      errors.push({
        index,
        reason: `frame at byte ${i} declares ${length} octets but only ${body.length - msgStart} remain: the stream was cut short, or the length is wrong.`,
      });
      break;
    }
    if (!atBoundary(body, msgEnd)) {
      const boundary = resync(body, latin1, msgStart);
      const probable =
        boundary < body.length
          ? ` (the next frame seems to start after ${trimmedLength(body, msgStart, boundary)} octets)`
          : '';
      fail(
        `frame length ${length} at byte ${i} does not end at a frame boundary${probable}; it must count the message's octets (UTF-8 bytes), not characters.`,
      );
      continue;
    }
    // A trailing LF inside the frame (rsyslog's templates end with one) is not message text.
    const text = trimEndOf(body.subarray(msgStart, msgEnd).toString('utf8'), '\r\n');
    items.push({ index, text });
    index += 1;
    i = msgEnd;
  }
  return { mode: 'octet-counted', items, errors };
}

/** The end of the body, a trailer, or the next `LEN SP`. */
function atBoundary(body: Buffer, at: number): boolean {
  const next = body[at];
  if (next === undefined || next === 0x0a || next === 0x0d) return true;
  let j = at;
  while (isDigit(body[j]) && j - at <= LENGTH_DIGITS) j += 1;
  return j > at && body[j] === 0x20;
}

function trimmedLength(body: Buffer, start: number, end: number): number {
  let e = end;
  while (e > start && (body[e - 1] === 0x0a || body[e - 1] === 0x0d || body[e - 1] === 0x20))
    e -= 1;
  return e - start;
}
