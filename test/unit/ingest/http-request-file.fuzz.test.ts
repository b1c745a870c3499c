/**
 * Fuzzing the `.http.txt` request-file reader that `cordon parse` uses
 * (src/ingest/sources/http-request-file.ts): the repository's request files cut short, with
 * bytes flipped, lines dropped, doubled or swapped, line endings changed and structural edits
 * (a stray `# cordon: body-bytes=`, a second request line …), generated request files, and
 * noise. It returns a request or a reason located in the file, never throws, and takes time
 * linear in the file; a well-formed file reads back as written, as text or as bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseHttpRequestFile,
  type HttpRequestFileParse,
} from '../../../src/ingest/sources/http-request-file.js';

const NUM_RUNS = 300;
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

function requestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? requestFiles(join(dir, e.name))
      : e.name.endsWith('.http.txt')
        ? [join(dir, e.name)]
        : [],
  );
}

const SEEDS: readonly Buffer[] = requestFiles(FIXTURES)
  .sort()
  .map((f) => readFileSync(f));

// ---------------------------------------------------------------------------------------------
// Inputs.

const seed = fc.constantFrom(...SEEDS);

/** Pieces a request file is made of, to insert anywhere. */
const STRUCTURE = [
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  ':',
  ': ',
  ' ',
  '\t',
  '#',
  '# ',
  '# cordon: body-bytes=',
  '# cordon: body-bytes=12\n',
  '# cordon: body-bytes=99999999999999\n',
  '#cordon:body-bytes = 0\r\n',
  'POST / HTTP/1.1\n',
  'GET /x HTTP/2\r\n',
  'HTTP/1.1',
  'HTTP/1.1 200 OK\n',
  '--- ',
  '\u00e0',
  '\u00a0',
  '\u2028',
  '\u0000',
  '\ufeff',
  '\ud83d\ude00',
];

function lines(b: Buffer): string[] {
  return b.toString('latin1').split('\n');
}
const joinLines = (ls: readonly string[]): Buffer => Buffer.from(ls.join('\n'), 'latin1');

/** A request file edited the ways files get damaged or hand-edited. */
const mutatedFile: fc.Arbitrary<Buffer> = fc.oneof(
  seed,
  // Cut short at any byte.
  fc.tuple(seed, fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
  // Bytes overwritten.
  fc
    .tuple(seed, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }))
    .map(([b, flips]) => {
      const out = Buffer.from(b);
      for (const [at, byte] of flips) if (out.length > 0) out[at % out.length] = byte;
      return out;
    }),
  // A structural piece inserted (or a stretch replaced by it).
  fc
    .tuple(seed, fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...STRUCTURE))
    .map(([b, at, cut, piece]) => {
      const i = at % (b.length + 1);
      return Buffer.concat([b.subarray(0, i), Buffer.from(piece), b.subarray(i + cut)]);
    }),
  // A line dropped, doubled, or two swapped.
  fc
    .tuple(seed, fc.nat(), fc.nat(), fc.constantFrom('drop', 'double', 'swap'))
    .map(([b, x, y, how]) => {
      const ls = lines(b);
      const i = x % ls.length;
      const j = y % ls.length;
      if (how === 'drop') ls.splice(i, 1);
      else if (how === 'double') ls.splice(i, 0, ls[i] ?? '');
      else [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
      return joinLines(ls);
    }),
  // Line endings changed throughout.
  fc
    .tuple(seed, fc.constantFrom('\r\n', '\n', '\r', '\n\n'))
    .map(([b, eol]) => Buffer.from(b.toString('latin1').split(/\r?\n/).join(eol), 'latin1')),
  // Two files glued together.
  fc.tuple(seed, seed).map(([a, b]) => Buffer.concat([a, b])),
);

const noise: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.array(fc.constantFrom(...STRUCTURE), { maxLength: 30 }).map((p) => Buffer.from(p.join(''))),
);

/** A header name as HTTP writes them (a token), some that are also Object.prototype's keys. */
const headerName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
  fc.constantFrom('Content-Type', 'Ce-Id', 'Authorization', 'constructor', 'toString', '__proto__'),
);
/** A header value: printable text with no edge whitespace (the reader trims). */
const headerValue = fc
  .string({ unit: 'grapheme', maxLength: 30 })
  .map((v) => v.replace(/[\r\n]/g, ' ').trim());

interface Written {
  readonly text: Buffer;
  readonly method: string;
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** Where the body starts in `text`. */
  readonly bodyStart: number;
  readonly framed: boolean;
}

/** A well-formed request file, with what it says. */
const wellFormed: fc.Arbitrary<Written> = fc
  .record({
    comments: fc.array(
      fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 30 }).map((c) => `# ${c.replace(/[\r\n]/g, ' ')}`),
      ),
      { maxLength: 3 },
    ),
    method: fc.constantFrom('POST', 'GET', 'PUT', 'PATCH'),
    path: fc.stringMatching(/^\/[!-~]{0,30}$/),
    version: fc.constantFrom('1.1', '1.0', '2', '1'),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
    eol: fc.constantFrom('\n', '\r\n'),
    framed: fc.boolean(),
    textBody: fc
      .array(
        fc.string({ unit: 'grapheme', maxLength: 40 }).map((l) => l.replace(/[\r\n]/g, '')),
        { maxLength: 4 },
      )
      .map((ls) => ls.join('\n')),
    bytesBody: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    tail: fc.constantFrom(
      '',
      '\n',
      '\n\nHTTP/1.1 200 OK\n\n{}',
      '\n\n--- responses ---\nHTTP/1.1 200',
      '\n\n# later deliveries\n',
    ),
  })
  .map((w) => {
    // A text body ends before a written-down response, note or comment, and loses its
    // trailing newlines: keep such lines and edges out of what is expected to read back.
    const textBody = w.textBody
      .split('\n')
      .filter((l) => !/^(HTTP\/\d|--- |# )/.test(l))
      .join('\n')
      .replace(/^\n+|\n+$/g, '');
    const body = w.framed ? w.bytesBody : Buffer.from(textBody);
    const head = [
      ...w.comments,
      ...(w.framed ? [`# cordon: body-bytes=${body.length}`] : []),
      `${w.method} ${w.path} HTTP/${w.version}`,
      ...w.headers.map(([n, v]) => `${n}: ${v}`),
      '',
      '',
    ].join(w.eol);
    return {
      text: Buffer.concat([Buffer.from(head), body, Buffer.from(w.tail)]),
      method: w.method,
      path: w.path,
      headers: w.headers,
      body,
      bodyStart: Buffer.byteLength(head),
      framed: w.framed,
    };
  });

// ---------------------------------------------------------------------------------------------
// What every answer must be.

function parseChecked(input: string | Buffer): HttpRequestFileParse {
  let parsed: HttpRequestFileParse | undefined;
  expect(() => {
    parsed = parseHttpRequestFile(input);
  }).not.toThrow();
  if (parsed === undefined) throw new Error('no result');
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const lineCount = text.split(/\r?\n/).length;
  const shown = JSON.stringify(text.slice(0, 300));
  if (parsed.ok) {
    const { method, path, headers, body } = parsed.request;
    expect(method, shown).toMatch(/^[A-Z]+$/);
    expect(path, shown).toMatch(/^\S+$/);
    expect(Buffer.isBuffer(body), shown).toBe(true);
    for (const [name, value] of Object.entries(headers)) {
      expect(name, shown).toBe(name.trim().toLowerCase());
      // (A blank name, as in " : x", is let through: lenient, not wrong.)
      expect(typeof value, shown).toBe('string');
      // One line each (a bare CR is not a line end: it stays in the value).
      expect(value, shown).not.toMatch(/\n/);
    }
    return parsed;
  }
  expect(parsed.reason.length, shown).toBeGreaterThan(0);
  // Located: the line that is wrong, or the body-bytes comment (and how the body falls short).
  const line = /^line (\d+): /.exec(parsed.reason);
  if (line) {
    expect(Number(line[1]), `${parsed.reason} in ${shown}`).toBeGreaterThanOrEqual(1);
    expect(Number(line[1]), `${parsed.reason} in ${shown}`).toBeLessThanOrEqual(lineCount + 1);
  } else expect(parsed.reason, shown).toMatch(/body-bytes/);
  return parsed;
}

describe('parseHttpRequestFile (fuzz)', () => {
  it('reads every request file in the repository', () => {
    expect(SEEDS.length).toBeGreaterThan(0);
    for (const file of SEEDS) expect(parseChecked(file).ok).toBe(true);
  });

  it('a damaged request file or noise: a request or a located reason, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedFile, noise), fc.boolean(), (file, asText) => {
        parseChecked(asText ? file.toString('utf8') : file);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it('a well-formed request file reads back as written, as bytes and as text', () => {
    fc.assert(
      fc.property(wellFormed, (w) => {
        // Repeated names joined with ", ", in order (built as own properties: `__proto__` too).
        const joined = new Map<string, string>();
        for (const [n, v] of w.headers) {
          const name = n.toLowerCase();
          const before = joined.get(name);
          joined.set(name, before === undefined ? v : `${before}, ${v}`);
        }
        const expected = Object.fromEntries(joined);
        for (const input of [w.text, w.text.toString('utf8')]) {
          if (typeof input === 'string' && w.framed && !Buffer.from(input).equals(w.text)) continue;
          const parsed = parseChecked(input);
          const shown = JSON.stringify(w.text.toString('latin1'));
          expect(parsed.ok, `${shown}: ${parsed.ok ? '' : parsed.reason}`).toBe(true);
          if (!parsed.ok) return;
          expect(parsed.request.method, shown).toBe(w.method);
          expect(parsed.request.path, shown).toBe(w.path);
          expect({ ...parsed.request.headers }, shown).toEqual(expected);
          expect(parsed.request.body.toString('hex'), shown).toBe(w.body.toString('hex'));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a well-formed file cut anywhere in a framed body says it is cut short', () => {
    fc.assert(
      fc.property(
        wellFormed.filter((w) => w.framed && w.body.length > 0),
        fc.nat(),
        (w, at) => {
          const cut = w.bodyStart + (at % w.body.length);
          const parsed = parseChecked(w.text.subarray(0, cut));
          expect(parsed.ok).toBe(false);
          if (!parsed.ok) expect(parsed.reason).toMatch(/cut short/);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('takes time linear in the file: a few MB of what once took quadratic time read in a moment', () => {
    // Each once took minutes at this size: header-like lines with no blank line after a framed
    // head (the head's end was found by a backtracking expression), a long run of blank lines
    // inside a body (its trailing newlines were dropped by /\n+$/).
    const unit = fc.constantFrom(
      'A x: HTTP/1.1\n',
      'POST / HTTP/1.1\n',
      '\n',
      '\r\n',
      '# \n',
      ' \n',
      'X: y\r\n',
      '\n\n# ',
    );
    const frame = fc.constantFrom(
      ['# cordon: body-bytes=1\nPOST / HTTP/1.1\n', ''],
      ['POST / HTTP/1.1\nA: b\n\n', 'x'],
      ['', ''],
      ['POST / HTTP/1.1\n', ''],
    );
    fc.assert(
      fc.property(unit, frame, fc.integer({ min: 50_000, max: 200_000 }), (u, [head, tail], n) => {
        const file = Buffer.from(`${head}${u.repeat(n)}${tail}`);
        const started = performance.now();
        parseChecked(file);
        // Linear: tens of milliseconds; quadratic: minutes. Generous for a loaded machine.
        expect(performance.now() - started, `${JSON.stringify(u)} x ${n}`).toBeLessThan(3_000);
      }),
      { numRuns: 12 },
    );
  });
});
