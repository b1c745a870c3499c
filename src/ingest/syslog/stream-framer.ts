/**
 * Splits one TCP connection's byte stream into syslog messages (RFC 6587). The framing is
 * detected from the first byte: a digit means octet counting (`LEN SP MSG`, RFC 5425/6587
 * §3.4.1), anything else non-transparent framing (one message per LF, §3.4.2). A declared
 * length is never trusted beyond `maxFrameBytes`: once the stream is out of step there is no
 * safe way back, so the first framing error ends the connection (the caller resets it).
 */

export interface FramerOutput {
  readonly messages: Buffer[];
  /** Set once: why the stream cannot be framed any further. */
  readonly error?: string;
}

export type FramingMode = 'octet-counted' | 'non-transparent';

/** At most 10 digits: nothing near 10 GB is a syslog message. */
const MAX_LENGTH_DIGITS = 10;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function show(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 24).toString('utf8'));
}

export class StreamFramer {
  #mode: FramingMode | undefined;
  /**
   * Bytes not framed yet, as received: joined only when a frame can complete, so a sender
   * dripping one byte at a time costs linear, not quadratic, copying.
   */
  #parts: Buffer[] = [];
  #size = 0;
  /** Octet counting: bytes needed before another frame can complete. */
  #wanted = 0;
  #failed: string | undefined;
  /** Messages framed so far (for log lines: where in the stream it broke). */
  #count = 0;

  constructor(private readonly maxFrameBytes: number) {}

  get mode(): FramingMode | undefined {
    return this.#mode;
  }

  /** Frames read so far. */
  get count(): number {
    return this.#count;
  }

  push(chunk: Buffer): FramerOutput {
    if (this.#failed !== undefined) return { messages: [], error: this.#failed };
    if (chunk.length === 0) return { messages: [] };
    this.#parts.push(chunk);
    this.#size += chunk.length;
    if (this.#mode === undefined) {
      const buf = this.#take();
      const first = buf.findIndex((b) => b !== LF && b !== CR && b !== SPACE);
      if (first < 0) return { messages: [] };
      this.#mode = isDigit(buf[first]) ? 'octet-counted' : 'non-transparent';
      return this.#mode === 'octet-counted' ? this.#octets(buf) : this.#lines(buf);
    }
    if (this.#mode === 'non-transparent') {
      if (chunk.includes(LF)) return this.#lines(this.#take());
      if (this.#size > this.maxFrameBytes)
        return this.#error(
          [],
          `line ${this.#count + 1} is longer than ${this.maxFrameBytes} octets without a line feed (the listener's maximum frame size).`,
        );
      return { messages: [] };
    }
    if (this.#size < this.#wanted) return { messages: [] };
    return this.#octets(this.#take());
  }

  /** The peer closed: a last unterminated line is a message; half an octet frame is an error. */
  end(): FramerOutput {
    if (this.#failed !== undefined) return { messages: [] };
    const rest = this.#take();
    if (this.#mode === 'non-transparent') {
      const line = trimLine(rest);
      return { messages: line.length > 0 ? [line] : [] };
    }
    let start = 0;
    while (
      start < rest.length &&
      (rest[start] === LF || rest[start] === CR || rest[start] === SPACE)
    )
      start += 1;
    if (start >= rest.length) return { messages: [] };
    return {
      messages: [],
      error: this.#fail(
        `the stream ended inside frame ${this.#count + 1} (${rest.length - start} octets of it arrived: ${show(rest.subarray(start))}); the sender was cut off or its length was too large.`,
      ),
    };
  }

  #take(): Buffer {
    const buf =
      this.#parts.length === 1 ? (this.#parts[0] ?? Buffer.alloc(0)) : Buffer.concat(this.#parts);
    this.#parts = [];
    this.#size = 0;
    return buf;
  }

  #keep(rest: Buffer, wanted: number): void {
    if (rest.length > 0) {
      this.#parts = [rest];
      this.#size = rest.length;
    }
    this.#wanted = wanted;
  }

  #fail(reason: string): string {
    this.#failed = reason;
    this.#parts = [];
    this.#size = 0;
    return reason;
  }

  #octets(buf: Buffer): FramerOutput {
    const messages: Buffer[] = [];
    let i = 0;
    for (;;) {
      while (i < buf.length && (buf[i] === LF || buf[i] === CR || buf[i] === SPACE)) i += 1;
      if (i >= buf.length) break;
      let j = i;
      while (j < buf.length && isDigit(buf[j]) && j - i <= MAX_LENGTH_DIGITS) j += 1;
      const digits = buf.subarray(i, j).toString('latin1');
      if (digits === '')
        return this.#error(
          messages,
          `expected the length of frame ${this.#count + 1} (octet counting) but got ${show(buf.subarray(i))}; the previous frame's length was probably wrong.`,
        );
      if (j - i > MAX_LENGTH_DIGITS)
        return this.#error(
          messages,
          `frame ${this.#count + 1} declares a length of more than ${MAX_LENGTH_DIGITS} digits.`,
        );
      if (j >= buf.length) {
        // The length is split across chunks: wait for one more byte.
        this.#keep(buf.subarray(i), buf.length - i + 1);
        return { messages };
      }
      if (buf[j] !== SPACE)
        return this.#error(
          messages,
          `the length ${JSON.stringify(digits)} of frame ${this.#count + 1} must be followed by a space; got ${show(buf.subarray(j))}.`,
        );
      if (digits.length > 1 && digits.startsWith('0'))
        return this.#error(
          messages,
          `the length ${JSON.stringify(digits)} of frame ${this.#count + 1} has a leading zero (RFC 6587 forbids it).`,
        );
      const length = Number(digits);
      if (length === 0 || length > this.maxFrameBytes)
        return this.#error(
          messages,
          `frame ${this.#count + 1} declares ${length} octets, outside 1–${this.maxFrameBytes} (the listener's maximum frame size).`,
        );
      const end = j + 1 + length;
      if (end > buf.length) {
        // The message is still arriving: nothing is joined again until all of it is here.
        this.#keep(buf.subarray(i), end - i);
        return { messages };
      }
      // A trailing LF inside the frame (rsyslog's templates end with one) is not message text.
      const message = trimLine(buf.subarray(j + 1, end));
      if (message.length > 0) messages.push(Buffer.from(message));
      this.#count += 1;
      i = end;
    }
    this.#keep(Buffer.alloc(0), 0);
    return { messages };
  }

  #lines(buf: Buffer): FramerOutput {
    const messages: Buffer[] = [];
    let start = 0;
    for (;;) {
      const lf = buf.indexOf(LF, start);
      if (lf < 0) break;
      if (lf - start > this.maxFrameBytes)
        return this.#error(
          messages,
          `line ${this.#count + 1} is longer than ${this.maxFrameBytes} octets (the listener's maximum frame size).`,
        );
      const line = trimLine(buf.subarray(start, lf));
      if (line.length > 0) {
        messages.push(Buffer.from(line));
        this.#count += 1;
      }
      start = lf + 1;
    }
    const rest = buf.subarray(start);
    if (rest.length > this.maxFrameBytes)
      return this.#error(
        messages,
        `line ${this.#count + 1} is longer than ${this.maxFrameBytes} octets without a line feed (the listener's maximum frame size).`,
      );
    this.#keep(Buffer.from(rest), 0);
    return { messages };
  }

  #error(messages: Buffer[], reason: string): FramerOutput {
    return { messages, error: this.#fail(reason) };
  }
}

function trimLine(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && (line[end - 1] === CR || line[end - 1] === LF)) end -= 1;
  let start = 0;
  while (start < end && line[start] === 0) start += 1;
  return line.subarray(start, end);
}
