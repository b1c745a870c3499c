/**
 * Reads a raw HTTP request written down as text (`*.http.txt`): optional `#` comment lines, the
 * request line, headers, a blank line, then the body. What follows the body (a blank line and
 * then a response `HTTP/1.1 …`, a `--- …` note or `# …` comments) is not part of it. Lets
 * `cordon parse` and the tests replay what signed or header-carrying senders really send.
 *
 * A body that is bytes, not text (an Open Inference V2 binary tensor payload), is framed by a
 * length instead: a comment line `# cordon: body-bytes=<n>` before the request line says the
 * body is exactly the n bytes after the blank line that ends the headers (LF or CRLF), taken
 * from the file unchanged; what follows them is not part of it. Given as a Buffer, the file is
 * read byte for byte, so such a body survives; the head is UTF-8 text either way.
 */
export interface HttpRequestFile {
  readonly method: string;
  readonly path: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export type HttpRequestFileParse =
  | { readonly ok: true; readonly request: HttpRequestFile }
  | { readonly ok: false; readonly reason: string };

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/\d(?:\.\d)?$/;
const BODY_END = /(?:^|\r?\n\r?\n)(?=HTTP\/\d|--- |# )/;

/**
 * Where line `index` of `text` (lines end at LF or CRLF, as the parser splits them) starts;
 * `text.length` past the last. Found by counting, in one pass: a regular expression for the end
 * of the head took time quadratic in the number of header-like lines (minutes for a few MB).
 */
function lineStart(text: string, index: number): number {
  const eol = /\r?\n/g;
  let start = 0;
  for (let n = 0; n < index; n++) {
    const m = eol.exec(text);
    if (!m) return text.length;
    start = m.index + m[0].length;
  }
  return start;
}

/** Text read byte for byte (latin1) back to the UTF-8 it was. */
function utf8Of(text: string, fromBytes: boolean): string {
  return fromBytes ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

const BODY_BYTES = /^#\s*cordon:\s*body-bytes\s*=\s*(\S*)\s*$/;

export function parseHttpRequestFile(file: string | Buffer): HttpRequestFileParse {
  // A length-framed body counts bytes: read a string holding one as its UTF-8 bytes.
  if (typeof file === 'string' && /^#\s*cordon:\s*body-bytes/m.test(file))
    return parseHttpRequestFile(Buffer.from(file, 'utf8'));
  const bytes = typeof file === 'string' ? undefined : file;
  const text = typeof file === 'string' ? file : file.toString('latin1');
  const lines = text.split(/\r?\n/);
  let bodyBytes: string | undefined;
  let i = 0;
  while (i < lines.length && (lines[i]?.startsWith('#') === true || lines[i]?.trim() === '')) {
    const directive = BODY_BYTES.exec(lines[i] ?? '');
    if (directive) bodyBytes = directive[1] ?? '';
    i++;
  }
  const requestLine = lines[i] ?? '';
  const match = REQUEST_LINE.exec(requestLine);
  if (!match)
    return {
      ok: false,
      reason: `line ${i + 1}: expected a request line like "POST /path HTTP/1.1"; got ${JSON.stringify(requestLine.slice(0, 80))}.`,
    };
  // No prototype: a header named `constructor` or `__proto__` is a header like any other.
  const headers = Object.create(null) as Record<string, string>;
  for (i += 1; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon <= 0)
      return {
        ok: false,
        reason: `line ${i + 1}: expected a header "Name: value"; got ${JSON.stringify(line.slice(0, 80))}. End the headers with an empty line.`,
      };
    const name = line.slice(0, colon).trim().toLowerCase();
    // Decoded before trimming: read as latin1, a UTF-8 character ending in byte A0 (à, Ѡ) looks
    // like a trailing no-break space, and trimming it first broke the character.
    const value = utf8Of(line.slice(colon + 1), bytes !== undefined).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  if (bodyBytes !== undefined) {
    const n = /^\d{1,12}$/.test(bodyBytes) ? Number(bodyBytes) : Number.NaN;
    if (!Number.isSafeInteger(n))
      return {
        ok: false,
        reason: `"# cordon: body-bytes=${bodyBytes}" must give the body's length in bytes, such as body-bytes=1024.`,
      };
    // Where the body starts in the file: after the request line, the headers and the blank line.
    const start = lineStart(text, i + 1);
    const source = bytes ?? Buffer.from(text, 'utf8');
    if (source.length - start < n)
      return {
        ok: false,
        reason: `the body has ${source.length - start} bytes after the headers, fewer than the ${n} that "# cordon: body-bytes" announces: the file is cut short.`,
      };
    return {
      ok: true,
      request: {
        method: match[1] ?? 'POST',
        path: match[2] ?? '/',
        headers,
        body: Buffer.from(source.subarray(start, start + n)),
      },
    };
  }
  const rest = utf8Of(lines.slice(i + 1).join('\n'), bytes !== undefined);
  const end = BODY_END.exec(rest);
  let body = end ? rest.slice(0, end.index) : rest;
  // Trailing newlines dropped by hand: /\n+$/ is quadratic in a long run of them not at the end.
  let length = body.length;
  while (length > 0 && body.charCodeAt(length - 1) === 10) length--;
  body = body.slice(0, length);
  return {
    ok: true,
    request: {
      method: match[1] ?? 'POST',
      path: match[2] ?? '/',
      headers,
      body: Buffer.from(body),
    },
  };
}
