import { describe, expect, it } from 'vitest';
import { leefKind } from '../../../../../src/ingest/sources/leef/leef-kind.js';
import { syslogKind } from '../../../../../src/ingest/sources/syslog/syslog-kind.js';
import { itIsRegistered } from '../../../../helpers/source-goldens.js';
import { expectGolden, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectRefused, sample } from './line-test-helpers.js';

const HEAD2 = 'LEEF:2.0|Acme|LLM Gateway|2.8.0|auth.failure|';

describe('leef kind: samples', () => {
  itIsRegistered(leefKind);

  it('maps leef-samples.log: 1.0 tabs, 2.0 with ^ and x09, behind RFC 3164 and 5424 headers (golden)', async () => {
    const result = await runKind(leefKind, sample('leef-samples.log'));
    const events = okEvents(result);
    expect(result.ok && result.warnings).toEqual([]);
    expect(events.map((e) => e.time)).toEqual([
      Date.UTC(2024, 5, 10, 16, 4, 58, 441), // devTime with devTimeFormat "MMM dd yyyy HH:mm:ss.SSS z"
      1718035200000, // devTime epoch ms
      Date.UTC(2024, 5, 10, 16, 4, 58, 935), // yyyy-MM-dd'T'HH:mm:ss.SSSX
      Date.UTC(2024, 5, 10, 16, 4, 58), // from the BSD header, year from receipt
      Date.UTC(2024, 5, 10, 14, 4, 58, 520), // from the RFC 5424 header, +02:00
    ]);
    expectGolden(events, 'leef/leef-samples.json');
  });

  it('reads the same events through the syslog kind', async () => {
    const viaLeef = okEvents(await runKind(leefKind, sample('leef-samples.log')));
    expect(okEvents(await runKind(syslogKind, sample('leef-samples.log')))).toEqual(viaLeef);
  });
});

describe('leef kind: bad lines', () => {
  it('refuses every defect of bad/leef-bad.log at its attribute', async () => {
    expectRefused(await runKind(leefKind, sample('bad/leef-bad.log')), {
      '/0/attributes': ['separated by tabs', 'turned tabs into spaces'],
      '/1/delimiter': ['one character or its hex code', 'got "^^"'],
      '/2/attributes/3': ['must be key=value', 'got "orphan"'],
      '/2/attributes/sev': ['1–10', 'got "15"'],
      '/3/attributes/devTime': [
        'must match the pattern "MMM dd yyyy HH:mm:ss"',
        'got "2024-06-10 16:04:58"',
      ],
      '/4/version': ['1.0 or 2.0', 'LEEF:3.0'],
      '/5/header': 'has 2 header fields',
      '/6/attributes/devTimeFormat': ['the letter "Y" is not supported', 'Java date pattern'],
    });
  });

  it('accepts the good lines of a mixed body and lists the bad one', async () => {
    const body = [`${HEAD2}^|sev=5^src=192.0.2.1`, `${HEAD2}^|sev=x`, `${HEAD2}^|sev=1`].join('\n');
    const result = await runKind(leefKind, body);
    expect(result.ok && result.events.length).toBe(2);
    expect(result.ok && result.rejected).toEqual([
      {
        index: 1,
        errors: [
          { path: '/1/attributes/sev', reason: 'line 2: must be an integer 1–10; got "x".' },
        ],
      },
    ]);
  });
});

describe('leef kind: details', () => {
  async function one(line: string, options?: unknown) {
    const events = okEvents(await runKind(leefKind, line, { options }));
    return events[0] ?? expect.unreachable();
  }

  it('takes the delimiter as a character, x09, 0x09, or tab when the field is empty', async () => {
    // A pipe delimiter can only be written in hex: "|||" reads as an empty field (tab).
    for (const [field, sep] of [
      ['x7C', '|'],
      ['0x09', '\t'],
      ['x09', '\t'],
      ['', '\t'],
      [';', ';'],
    ] as const) {
      const line = `${HEAD2}${field}|usrName=carol${sep}src=192.0.2.9${sep}sev=9`;
      const event = await one(line);
      expect(event.entity, field).toEqual({ user: 'carol', ip: '192.0.2.9' });
      expect(event.severity, field).toBe('critical');
    }
  });

  it('reads devTime by common Java patterns, and without a pattern as epoch ms or the default form', async () => {
    const at = (devTime: string, format?: string, options?: unknown) =>
      one(
        `${HEAD2}^|devTime=${devTime}${format === undefined ? '' : `^devTimeFormat=${format}`}`,
        options,
      ).then((e) => e.time);
    expect(await at('10/06/2024 04:04:58 PM', 'dd/MM/yyyy hh:mm:ss a')).toBe(
      Date.UTC(2024, 5, 10, 16, 4, 58),
    );
    expect(await at('20240610160458', 'yyyyMMddHHmmss')).toBe(Date.UTC(2024, 5, 10, 16, 4, 58));
    expect(await at('Mon, 10 Jun 2024 16:04:58 +0200', 'EEE, dd MMM yyyy HH:mm:ss Z')).toBe(
      Date.UTC(2024, 5, 10, 14, 4, 58),
    );
    expect(await at('2024-06-10 16:04:58.123456', 'yyyy-MM-dd HH:mm:ss.SSSSSS')).toBe(
      Date.UTC(2024, 5, 10, 16, 4, 58, 123),
    );
    expect(
      await at('June 10 2024 16:04:58', 'MMMM dd yyyy HH:mm:ss', { timezone: 'Asia/Tokyo' }),
    ).toBe(Date.UTC(2024, 5, 10, 7, 4, 58));
    expect(await at('1718035498441')).toBe(1718035498441);
    expect(await at('Jun 10 2024 16:04:58')).toBe(Date.UTC(2024, 5, 10, 16, 4, 58));
  });

  it('refuses an impossible devTime and epoch seconds', async () => {
    expectRefused(
      await runKind(leefKind, `${HEAD2}^|devTime=31/06/2024^devTimeFormat=dd/MM/yyyy`),
      {
        '/0/attributes/devTime': 'day 31 does not exist',
      },
    );
    expectRefused(await runKind(leefKind, `${HEAD2}^|devTime=1718035498`), {
      '/0/attributes/devTime': 'epoch seconds',
    });
  });

  it('routes custom attributes: aliases, measures, map option; non-numbers stay labels with a warning', async () => {
    const line = `${HEAD2}^|apiKeyHash=k1^tokensOut=77^latencyMs=slow^riskLevel=4^identHostName=gw-7^result=success`;
    const result = await runKind(leefKind, line, {
      options: { map: { riskLevel: 'measures.risk_score' } },
    });
    const event = okEvents(result)[0] ?? expect.unreachable();
    expect(event.entity).toEqual({ api_key: 'k1', host: 'gw-7' });
    expect(event.measures).toEqual({ tokens_out: 77, risk_score: 4 });
    expect(event.labels.latency_ms).toBe('slow');
    expect(event.outcome).toBe('success');
    expect(result.ok && result.warnings).toEqual([
      expect.stringContaining('/0/attributes/latencyMs: line 1: must be a finite number'),
    ]);
  });
});
