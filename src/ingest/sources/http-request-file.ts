/**
 * Reads a raw HTTP request written down as text (`*.http.txt`): optional `#` comment lines, the
 * request line, headers, a blank line, then the body. What follows the body (a blank line and
 * then a response `HTTP/1.1 …`, a `--- …` note or `# …` comments) is not part of it. Lets
 * `cordon parse` and the tests replay what signed or header-carrying senders really send.
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

export function parseHttpRequestFile(text: string): HttpRequestFileParse {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && (lines[i]?.startsWith('#') === true || lines[i]?.trim() === '')) i++;
  const requestLine = lines[i] ?? '';
  const match = REQUEST_LINE.exec(requestLine);
  if (!match)
    return {
      ok: false,
      reason: `line ${i + 1}: expected a request line like "POST /path HTTP/1.1"; got ${JSON.stringify(requestLine.slice(0, 80))}.`,
    };
  const headers: Record<string, string> = {};
  for (i += 1; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon <= 0)
      return {
        ok: false,
        reason: `line ${i + 1}: expected a header "Name: value"; got ${JSON.stringify(line.slice(0, 80))}. End the headers with an empty line.`,
      };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = lines.slice(i + 1).join('\n');
  const end = BODY_END.exec(rest);
  const body = (end ? rest.slice(0, end.index) : rest).replace(/\n+$/, '');
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
