import { describe, expect, it } from 'vitest';
import { syslogKind } from '../../../../../src/ingest/sources/syslog/syslog-kind.js';
import { itIsRegistered } from '../../../../helpers/source-goldens.js';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import { expectGolden, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectRefused, expectRejected, sample } from './line-test-helpers.js';

describe('syslog kind: samples', () => {
  itIsRegistered(syslogKind);

  for (const [file, count] of [
    ['syslog-rfc5424.log', 6],
    ['syslog-rfc3164.log', 6],
    ['syslog-tcp-octet-counted.txt', 3],
    ['syslog-tcp-nontransparent.txt', 3],
  ] as const) {
    it(`maps ${file} (golden)`, async () => {
      const result = await runKind(syslogKind, sample(file));
      const events = okEvents(result);
      expect(result.ok && result.warnings).toEqual([]);
      expect(events).toHaveLength(count);
      expectGolden(events, `syslog/${file.replace(/\.(log|txt)$/, '')}.json`);
    });
  }

  it('reads RFC 5424 fields: NIL header, structured data with escapes, BOM, microseconds', async () => {
    const events = okEvents(await runKind(syslogKind, sample('syslog-rfc5424.log')));
    const [auth, infer, triton, nil, escaped, bom] = events;
    expect(auth?.entity).toEqual({
      host: 'gw-02.example.com',
      api_key: '88d1f0c2b7e4',
      model: 'gpt-4o-mini',
      user: 'alice@example.com',
      ip: '203.0.113.77',
    });
    expect(infer?.time).toBe(Date.UTC(2024, 5, 10, 16, 4, 58, 935));
    expect(infer?.measures).toEqual({ latency_ms: 1423, tokens_in: 512, tokens_out: 187 });
    expect(infer?.entity.ip).toBe('198.51.100.23'); // [origin ip=…]
    expect(triton?.severity).toBe('high'); // <131> = local0.err
    expect(nil?.time).toBe(SAMPLE_NOW);
    expect(nil?.labels[TIME_MISSING_LABEL]).toBe('true');
    expect(nil?.name).toBe('syslog');
    expect(nil?.entity).toEqual({});
    expect(escaped?.labels.note).toBe('escaped "quote", backslash \\ and bracket ]');
    expect(bom?.labels.message).toBe('UTF-8 message after BOM: drift share 0.4');
  });

  it('frames octet-counted bodies by octets (an LF inside a frame and non-ASCII text)', async () => {
    const events = okEvents(await runKind(syslogKind, sample('syslog-tcp-octet-counted.txt')));
    expect(events[0]?.labels.message).toBe(
      'API key authentication failed\nsecond line inside the same message',
    );
    expect(events[2]?.labels.message).toBe(
      'loaded fraud-scorer – 3.4.1 (non-ASCII: length counts octets)',
    );
  });
});

describe('syslog kind: bad messages', () => {
  it('refuses every defect of bad/syslog-bad.log at its header field', async () => {
    expectRefused(await runKind(syslogKind, sample('bad/syslog-bad.log')), {
      '/0/pri': ['at most 191', 'got 999'],
      '/1/timestamp': ['add a zone', '"2024-06-10T16:04:58.441"'],
      '/2/timestamp': ['at most 6 fractional', 'got 7'],
      '/3/structured_data': ['unescaped "]"', '\\]'],
      '/4/version': ['must be 1', 'got "2"'],
      '/5/timestamp': ['day 31 does not exist', 'Jun 31'],
      '/6/timestamp': ['space-padded', 'Jun  5'],
    });
  });

  it('refuses the broken frames of bad/syslog-octet-count-mismatch.txt and keeps the good ones', async () => {
    const result = await runKind(syslogKind, sample('bad/syslog-octet-count-mismatch.txt'));
    expectRejected(result, 2, {
      '/1': ['frame 2:', 'leading zero', 'send 97'],
      '/2': [
        'frame 3:',
        'does not end at a frame boundary',
        'after 110 octets',
        'octets (UTF-8 bytes)',
      ],
      '/4': ['frame 5:', 'declares 130 octets but only 90 remain'],
    });
    expect(result.ok && result.events.map((e) => e.labels.message)).toEqual([
      'API key authentication failed',
      'loaded fraud-scorer 3.4.1',
    ]);
  });

  it('refuses bad PRI forms and broken structured data with the fix', async () => {
    const body = [
      '<013>1 2024-06-10T16:04:58Z h a p m - leading zero',
      '<x>1 2024-06-10T16:04:58Z h a p m - letters',
      '<134>1 2024-06-10T16:04:58Z h a p m [meta a=1] unquoted',
      '<134>1 2024-06-10T16:04:58Z h a p m [meta a="1"]x no space after SD',
      '<134>1 2024-06-10 16:04:58Z h a p m - space instead of T',
    ].join('\n');
    expectRefused(await runKind(syslogKind, body), {
      '/0/pri': 'leading zeros',
      '/1/pri': 'a number 0–191',
      '/2/structured_data': '="value"',
      '/3/structured_data': 'followed by a space',
      '/4/structured_data': 'must be "-" or [id param="value"]',
      '/4/timestamp': 'RFC 3339',
    });
  });
});

describe('syslog kind: RFC 3164 dates', () => {
  const line = (date: string) => `<38>${date} host sshd[1]: x`;

  it('puts a December date received in January into the previous year', async () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 30);
    const events = okEvents(await runKind(syslogKind, line('Dec 31 23:59:50'), { now }));
    expect(events[0]?.time).toBe(Date.UTC(2024, 11, 31, 23, 59, 50));
  });

  it('puts a January date received on 31 December (fast clock) into the next year, clamped to receipt', async () => {
    const now = Date.UTC(2024, 11, 31, 23, 59, 0);
    const result = await runKind(syslogKind, line('Jan  1 00:02:00'), { now });
    const events = okEvents(result);
    expect(events[0]?.time).toBe(Date.UTC(2025, 0, 1, 0, 2, 0)); // 3 minutes ahead: within the skew
    const far = okEvents(await runKind(syslogKind, line('Jan  1 00:30:00'), { now }));
    expect(far[0]?.time).toBe(now);
    expect(far[0]?.labels['cordon.time_clamped_from']).toBe('2025-01-01T00:30:00.000Z');
  });

  it('accepts Feb 29 only when a nearby year has one', async () => {
    const leap = okEvents(
      await runKind(syslogKind, line('Feb 29 12:00:00'), { now: Date.UTC(2024, 2, 1) }),
    );
    expect(leap[0]?.time).toBe(Date.UTC(2024, 1, 29, 12));
    expectRefused(
      await runKind(syslogKind, line('Feb 29 12:00:00'), { now: Date.UTC(2026, 2, 1) }),
      {
        '/0/timestamp': 'day 29 does not exist',
      },
    );
  });

  it('reads the date in the timezone option, DST included', async () => {
    const winter = okEvents(
      await runKind(syslogKind, line('Jan 10 12:00:00'), {
        now: Date.UTC(2024, 0, 11),
        options: { timezone: 'Europe/Berlin' },
      }),
    );
    const summer = okEvents(
      await runKind(syslogKind, line('Jul 10 12:00:00'), {
        now: Date.UTC(2024, 6, 11),
        options: { timezone: 'Europe/Berlin' },
      }),
    );
    expect(winter[0]?.time).toBe(Date.UTC(2024, 0, 10, 11));
    expect(summer[0]?.time).toBe(Date.UTC(2024, 6, 10, 10));
  });

  it('reads a message without PRI or date as a log line at receipt time', async () => {
    const events = okEvents(await runKind(syslogKind, 'just some text from a script'));
    expect(events[0]).toMatchObject({
      kind: 'log',
      severity: 'info',
      time: SAMPLE_NOW,
      labels: { message: 'just some text from a script', [TIME_MISSING_LABEL]: 'true' },
    });
  });
});

describe('syslog kind: CEF and LEEF inside', () => {
  it('maps CEF after a full RFC 5424 header and after a BSD tag', async () => {
    const body = [
      '<165>1 2024-06-10T16:04:58Z gw-02 cef - - - CEF:0|A|B|1|sig|Name|3|src=192.0.2.1',
      '<165>Jun 10 16:04:58 gw-02 cef: CEF:0|A|B|1|sig|Name|3|src=192.0.2.1',
    ].join('\n');
    const events = okEvents(await runKind(syslogKind, body));
    for (const event of events) {
      expect(event).toMatchObject({
        kind: 'alert',
        name: 'Name',
        severity: 'low',
        entity: { ip: '192.0.2.1', host: 'gw-02' },
      });
      expect(event.labels.signature_id).toBe('sig');
    }
  });

  it('keeps a log line that only mentions CEF as a log line', async () => {
    const line =
      '<11>1 2024-06-10T16:04:58Z gw-02 parser 7 ERR - could not read CEF:0|broken input';
    const events = okEvents(await runKind(syslogKind, line));
    expect(events[0]).toMatchObject({ kind: 'log', severity: 'high' });
    expect(events[0]?.labels.message).toBe('could not read CEF:0|broken input');
  });
});

describe('syslog kind: bodies built by the listener', () => {
  it('reads toOctetCountedBody output, messages with line feeds included', async () => {
    const { toOctetCountedBody } = await import('../../../../../src/ingest/syslog/index.js');
    const messages = [
      '<13>1 2024-06-10T16:04:58Z h app - - - first\nsecond',
      'CEF:0|A|B|1|s|n|3|src=192.0.2.1',
    ];
    const body = toOctetCountedBody(messages.map((m) => Buffer.from(m)));
    const events = okEvents(await runKind(syslogKind, body));
    expect(events.map((e) => e.raw)).toEqual(messages);
    expect(events[0]?.labels.message).toBe('first\nsecond');
    expect(events[1]?.entity.ip).toBe('192.0.2.1');
  });
});
