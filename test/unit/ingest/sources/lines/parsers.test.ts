import { describe, expect, it } from 'vitest';
import { parseCefExtension } from '../../../../../src/ingest/sources/cef/cef-extension.js';
import { parseCefHeader } from '../../../../../src/ingest/sources/cef/cef-header.js';
import { parseLeef } from '../../../../../src/ingest/sources/leef/leef-parse.js';
import { splitBody } from '../../../../../src/ingest/sources/lines/body-framing.js';
import { snakeCase } from '../../../../../src/ingest/sources/lines/field-router.js';
import { compileJavaPattern } from '../../../../../src/ingest/sources/lines/java-date.js';
import { parseLineTime } from '../../../../../src/ingest/sources/lines/line-time.js';
import { Problems } from '../../../../../src/ingest/sources/lines/problems.js';
import { UTC_ZONE } from '../../../../../src/ingest/sources/lines/zoned-time.js';
import { findPayload, parseSyslog } from '../../../../../src/ingest/sources/syslog/parse-syslog.js';
import { readStructuredData } from '../../../../../src/ingest/sources/syslog/structured-data.js';

const NOW = Date.UTC(2024, 5, 11);
const ctx = { now: NOW, zone: UTC_ZONE };

describe('RFC 5424 parser', () => {
  it('reads every header field and the MSG', () => {
    const { message, problems } = parseSyslog(
      '<165>1 2003-10-11T22:14:15.003000-07:00 mymachine.example.com evntslog 99 ID47 [exampleSDID@32473 iut="3" eventSource="Application"][x@1] An application event',
      ctx,
    );
    expect(problems.list).toEqual([]);
    expect(message).toEqual({
      format: 'rfc5424',
      pri: { facility: 20, severity: 5 },
      time: Date.UTC(2003, 9, 12, 5, 14, 15, 3),
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      procId: '99',
      msgId: 'ID47',
      structuredData: [
        {
          id: 'exampleSDID@32473',
          params: [
            ['iut', '3'],
            ['eventSource', 'Application'],
          ],
        },
        { id: 'x@1', params: [] },
      ],
      msg: 'An application event',
    });
  });

  it('accepts PRI 0 and 191, refuses 192', () => {
    expect(parseSyslog('<0>1 - - - - - -', ctx).message.pri).toEqual({ facility: 0, severity: 0 });
    expect(parseSyslog('<191>1 - - - - - -', ctx).message.pri).toEqual({
      facility: 23,
      severity: 7,
    });
    expect(parseSyslog('<192>1 - - - - - -', ctx).problems.list).toEqual([
      { at: ['pri'], reason: expect.stringContaining('at most 191') },
    ]);
  });

  it('keeps an unknown escape in SD literally and reads escaped ] " \\', () => {
    const problems = new Problems();
    const sd = readStructuredData('[a b="x\\]y\\"z\\\\w\\q"] rest', 0, problems);
    expect(problems.list).toEqual([]);
    expect(sd?.elements).toEqual([{ id: 'a', params: [['b', 'x]y"z\\w\\q']] }]);
    expect(sd?.end).toBe(20);
  });

  it('reports a missing closing quote and a missing ]', () => {
    const p1 = new Problems();
    expect(readStructuredData('[a b="x', 0, p1)).toBeUndefined();
    expect(p1.list[0]?.reason).toContain('no closing quote');
    const p2 = new Problems();
    expect(readStructuredData('[a b="x" c', 0, p2)).toBeUndefined();
    expect(p2.list[0]?.reason).toContain('must be followed by ="value"');
  });

  it('stops the header where an embedded payload starts (half 5424 header before LEEF)', () => {
    const text = '<133>1 2024-06-10T16:04:58.520+02:00 gw-02 LEEF:2.0|A|B|1|e|^|x=1';
    const stop = findPayload(text, 'any');
    const { message, problems } = parseSyslog(text, ctx, stop);
    expect(problems.list).toEqual([]);
    expect(message.hostname).toBe('gw-02');
    expect(message.appName).toBeUndefined();
    expect(text.slice(stop)).toBe('LEEF:2.0|A|B|1|e|^|x=1');
  });
});

describe('RFC 3164 parser', () => {
  it('reads PRI, date, host, tag and pid; a missing PRI is allowed', () => {
    const a = parseSyslog('<34>Oct 11 22:14:15 mymachine su[12]: su root failed', {
      now: Date.UTC(2024, 9, 12),
      zone: UTC_ZONE,
    });
    expect(a.problems.list).toEqual([]);
    expect(a.message).toMatchObject({
      format: 'rfc3164',
      pri: { facility: 4, severity: 2 },
      time: Date.UTC(2024, 9, 11, 22, 14, 15),
      hostname: 'mymachine',
      appName: 'su',
      procId: '12',
      msg: 'su root failed',
    });
    const b = parseSyslog('Oct  1 22:14:15 host app: x', {
      now: Date.UTC(2024, 9, 12),
      zone: UTC_ZONE,
    });
    expect(b.message.pri).toBeUndefined();
    expect(b.message.time).toBe(Date.UTC(2024, 9, 1, 22, 14, 15));
  });

  it('refuses one-digit hours and single-space days, naming the fix', () => {
    expect(parseSyslog('<13>Jun 10 6:04:58 h a: x', ctx).problems.list[0]?.reason).toContain(
      'two-digit hours',
    );
    expect(parseSyslog('<13>Jun 5 16:04:58 h a: x', ctx).problems.list[0]?.reason).toContain(
      '"Jun  5"',
    );
    expect(parseSyslog('<13>Jun 05 16:04:58 h a: x', ctx).problems.list).toEqual([]);
  });

  it('reads a zone-less ISO timestamp in the BSD slot in the given zone', () => {
    const { message } = parseSyslog('<13>2024-06-10T16:04:58 h a: x', {
      now: NOW,
      zone: { offsetMinutes: 120 },
    });
    expect(message.time).toBe(Date.UTC(2024, 5, 10, 14, 4, 58));
  });
});

describe('CEF parsers', () => {
  it('splits the header on unescaped pipes only', () => {
    const problems = new Problems();
    const header = parseCefHeader('CEF:0|a\\|b|c\\\\d|1|sig|Na\\me|5|k=v', problems);
    expect(problems.list).toEqual([]);
    expect(header).toEqual({
      version: 0,
      vendor: 'a|b',
      product: 'c\\d',
      deviceVersion: '1',
      signatureId: 'sig',
      name: 'Na\\me',
      severity: '5',
      extension: 'k=v',
    });
  });

  it('splits the extension at " key=", values keep spaces and literal pipes', () => {
    const problems = new Problems();
    expect(parseCefExtension('msg=hello big | world  act=blocked x\\=y=z', problems)).toEqual([
      ['msg', 'hello big | world'],
    ]);
    expect(problems.list).toEqual([
      { at: ['extension', 'act'], reason: expect.stringContaining('unescaped "="') },
    ]);
    const ok = new Problems();
    expect(parseCefExtension('a=1\\n2\\r3 b=C:\\\\x c=\\q', ok)).toEqual([
      ['a', '1\n2\r3'],
      ['b', 'C:\\x'],
      ['c', '\\q'],
    ]);
    expect(ok.list).toEqual([]);
  });
});

describe('LEEF parser', () => {
  it('reads 1.0 with tabs, values may hold "="', () => {
    const problems = new Problems();
    expect(parseLeef('LEEF:1.0|V|P|1|E|a=1\tb=x=y\t', problems)).toMatchObject({
      version: '1.0',
      eventId: 'E',
      delimiter: '\t',
      attributes: [
        ['a', '1'],
        ['b', 'x=y'],
      ],
    });
    expect(problems.list).toEqual([]);
  });

  it('reads a 2.0 line without a delimiter field as tab-separated', () => {
    const problems = new Problems();
    expect(parseLeef('LEEF:2.0|V|P|1|E|a=1\tb=2', problems)?.attributes).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('refuses an empty EventID', () => {
    const problems = new Problems();
    parseLeef('LEEF:1.0|V|P|1||a=1', problems);
    expect(problems.list).toEqual([
      { at: ['event_id'], reason: expect.stringContaining('must not be empty') },
    ]);
  });
});

describe('times', () => {
  it('compiles Java patterns and refuses what it cannot read', () => {
    const p = compileJavaPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    expect(p.ok && p.parse('2024-06-10T16:04:58.123+05:30', UTC_ZONE)).toEqual({
      ok: true,
      ms: Date.UTC(2024, 5, 10, 10, 34, 58, 123),
    });
    expect(compileJavaPattern('HH:mm:ss')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no year'),
    });
    expect(compileJavaPattern("yyyy 'open")).toMatchObject({
      ok: false,
      reason: expect.stringContaining('unclosed quote'),
    });
    const zone = compileJavaPattern('yyyy-MM-dd HH:mm z');
    expect(zone.ok && zone.parse('2024-06-10 16:04 Mars/Olympus', UTC_ZONE)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('zone "Mars/Olympus"'),
    });
  });

  it('reads 12-hour clocks at midnight and noon', () => {
    const p = compileJavaPattern('yyyy-MM-dd hh:mm a');
    expect(p.ok && p.parse('2024-06-10 12:00 AM', UTC_ZONE)).toEqual({
      ok: true,
      ms: Date.UTC(2024, 5, 10, 0),
    });
    expect(p.ok && p.parse('2024-06-10 12:00 PM', UTC_ZONE)).toEqual({
      ok: true,
      ms: Date.UTC(2024, 5, 10, 12),
    });
  });

  it('reads CEF times, refusing years outside 2000–2100', () => {
    expect(parseLineTime('Jun 10 2024 16:04:58.441 UTC', UTC_ZONE)).toEqual({
      ok: true,
      ms: 1718035498441,
    });
    expect(parseLineTime('2024-06-10T16:04:58.441Z', UTC_ZONE)).toEqual({
      ok: true,
      ms: 1718035498441,
    });
    expect(parseLineTime('Jun 10 1999 16:04:58', UTC_ZONE)).toMatchObject({ ok: false });
  });
});

describe('body framing', () => {
  it('splits lines (CRLF too) keeping physical line indexes', () => {
    expect(splitBody(Buffer.from('a\r\n\n  \nb\n'))).toEqual({
      mode: 'lines',
      items: [
        { index: 0, text: 'a' },
        { index: 3, text: 'b' },
      ],
      errors: [],
    });
  });

  it('reads octet counting when the body starts with a digit, tolerating LF between frames', () => {
    expect(splitBody(Buffer.from('3 abc\n2 de'))).toEqual({
      mode: 'octet-counted',
      items: [
        { index: 0, text: 'abc' },
        { index: 1, text: 'de' },
      ],
      errors: [],
    });
  });
});

describe('snake_case label names', () => {
  it('converts camelCase, acronyms and punctuation', () => {
    expect(snakeCase('apiKeyHash')).toBe('api_key_hash');
    expect(snakeCase('requestClientApplication')).toBe('request_client_application');
    expect(snakeCase('HTTPStatus')).toBe('http_status');
    expect(snakeCase('cordon.secret')).toBe('cordon_secret');
    expect(snakeCase('1st')).toBe('f_1st');
    expect(snakeCase('***')).toBe('field');
  });
});

describe('body framing: frames with a trailing LF inside', () => {
  it('drops the LF that rsyslog templates put inside each frame', () => {
    const message = 'CEF:0|A|B|1|s|n|3|src=192.0.2.1\n';
    const body = `${Buffer.byteLength(message)} ${message}`.repeat(2);
    expect(splitBody(Buffer.from(body)).items.map((i) => i.text)).toEqual([
      message.trimEnd(),
      message.trimEnd(),
    ]);
  });
});

describe('body framing: telling octet counting from lines that start with digits', () => {
  it('reads a PRI-less line starting with a date, or a number, as lines', () => {
    expect(splitBody(Buffer.from('2024-06-10T16:04:58Z host app: x\n')).mode).toBe('lines');
    expect(splitBody(Buffer.from('404 not found\n500 oops\n')).mode).toBe('lines');
  });

  it('reads LEN SP < and self-consistent frames as octet counting', () => {
    expect(splitBody(Buffer.from('5 <13>x')).mode).toBe('octet-counted');
    expect(splitBody(Buffer.from('3 abc4 defg')).mode).toBe('octet-counted');
  });
});
