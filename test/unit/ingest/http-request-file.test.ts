import { describe, expect, it } from 'vitest';
import { parseHttpRequestFile } from '../../../src/ingest/sources/http-request-file.js';

describe('parseHttpRequestFile', () => {
  it('reads the request line, lower-cased headers and the body, ignoring comments before it', () => {
    const parsed = parseHttpRequestFile(
      '# a note\n\nPOST /services/collector/event HTTP/1.1\nAuthorization: Splunk abc\nX-Multi: a\nx-multi: b\nContent-Type: application/json\n\n{"event":"x"}\n',
    );
    expect(parsed).toEqual({
      ok: true,
      request: {
        method: 'POST',
        path: '/services/collector/event',
        headers: {
          authorization: 'Splunk abc',
          'x-multi': 'a, b',
          'content-type': 'application/json',
        },
        body: Buffer.from('{"event":"x"}'),
      },
    });
  });

  it('stops the body at a written-down response, a --- note or a # comment block', () => {
    for (const tail of [
      'HTTP/1.1 200 OK\n\n{}',
      '--- responses ---\nHTTP/1.1 200',
      '# later deliveries\n',
    ]) {
      const parsed = parseHttpRequestFile(`POST / HTTP/1.1\nA: b\n\nline one\nline two\n\n${tail}`);
      expect(parsed.ok && parsed.request.body.toString()).toBe('line one\nline two');
    }
  });

  it('gives a GET with no body an empty body even when a response follows at once', () => {
    const parsed = parseHttpRequestFile(
      'GET /hook HTTP/1.1\nX-Okta-Verification-Challenge: c1\n\nHTTP/1.1 200 OK\n\n{"verification":"c1"}',
    );
    expect(parsed.ok && parsed.request.method).toBe('GET');
    expect(parsed.ok && parsed.request.body.length).toBe(0);
  });

  it('says where a request file is malformed', () => {
    expect(parseHttpRequestFile('{"not":"a request"}')).toEqual({
      ok: false,
      reason: expect.stringContaining('line 1: expected a request line like "POST /path HTTP/1.1"'),
    });
    expect(parseHttpRequestFile('POST / HTTP/1.1\nno colon here\n\n{}')).toEqual({
      ok: false,
      reason: expect.stringContaining('line 2: expected a header "Name: value"'),
    });
  });

  it('takes a length-framed body byte for byte, whatever bytes it holds', () => {
    const body = Buffer.from([0x7b, 0x7d, 0x00, 0xff, 0x0a, 0x0d, 0x0a, 0x23, 0x20, 0x80, 0xfe]);
    for (const eol of ['\n', '\r\n']) {
      const head = `# a capture\n# cordon: body-bytes=${body.length}\nPOST /x HTTP/1.1${eol}Ce-Id: é1${eol}${eol}`;
      const file = Buffer.concat([Buffer.from(head), body, Buffer.from('\n# after\n')]);
      const parsed = parseHttpRequestFile(file);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.request.body.equals(body)).toBe(true);
      expect(parsed.request.headers['ce-id']).toBe('é1');
    }
  });

  it('refuses a framed body cut short, and a length that is not a number', () => {
    const short = parseHttpRequestFile('# cordon: body-bytes=10\nPOST / HTTP/1.1\nA: b\n\n12345');
    expect(short).toEqual({
      ok: false,
      reason: expect.stringContaining('5 bytes after the headers, fewer than the 10'),
    });
    const bad = parseHttpRequestFile('# cordon: body-bytes=ten\nPOST / HTTP/1.1\n\nx');
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('body-bytes=1024') });
  });

  it('reads a text file given as bytes as it reads the same text', () => {
    const text = 'POST / HTTP/1.1\nX-Name: café\n\n{"msg":"héllo"}\n\nHTTP/1.1 200 OK\n';
    expect(parseHttpRequestFile(Buffer.from(text))).toEqual(parseHttpRequestFile(text));
  });
});
