import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Lines } from '../../../src/ingest/normalizers/utf8-lines.js';

/** What the readers did before: the whole body through a strict TextDecoder, then split. */
function decodedWhole(body: Buffer): string[] | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body).split('\n');
  } catch {
    return undefined;
  }
}

describe('utf8Lines', () => {
  it('gives the lines of a strict whole-body decode, for any bytes', () => {
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    const body = fc.oneof(
      // Valid UTF-8 (any code point, newlines, CRLF, a leading byte-order mark).
      fc
        .tuple(fc.boolean(), fc.array(text, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'))
        .map(([bom, lines, eol]) => Buffer.from(`${bom ? '\uFEFF' : ''}${lines.join(eol)}`)),
      // Arbitrary bytes, mostly invalid.
      fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
    );
    fc.assert(
      fc.property(body, (b) => {
        expect(utf8Lines(b)).toEqual(decodedWhole(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses invalid UTF-8 anywhere, also after a newline or in the last line', () => {
    expect(utf8Lines(Buffer.from([0x61, 0x0a, 0xc3]))).toBeUndefined();
    expect(utf8Lines(Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80]))).toBeUndefined(); // a surrogate
    expect(utf8Lines(Buffer.from([0xc0, 0xaf, 0x0a]))).toBeUndefined(); // overlong "/"
  });

  it('drops only a leading byte-order mark and keeps one inside the text', () => {
    expect(utf8Lines(Buffer.from('\uFEFFa\n\uFEFFb'))).toEqual(['a', '\uFEFFb']);
    expect(utf8Lines(Buffer.from('é\n{"a":"ü"}\n'))).toEqual(['é', '{"a":"ü"}', '']);
    expect(utf8Lines(Buffer.alloc(0))).toEqual(['']);
  });
});
