import { describe, expect, it } from 'vitest';
import { cefKind } from '../../../../../src/ingest/sources/cef/cef-kind.js';
import { syslogKind } from '../../../../../src/ingest/sources/syslog/syslog-kind.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import { expectGolden, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectRefused, expectRejected, sample } from './line-test-helpers.js';

const HEAD = 'CEF:0|Acme|LLM Gateway|2.8.0|auth.failure|API key authentication failed|7|';

describe('cef kind: samples', () => {
  it('is registered as "cef", a line kind taking any content type', () => {
    expect(getSourceKind('cef')).toBe(cefKind);
    expect(cefKind.category).toBe('line');
    expect(cefKind.contentTypes).toEqual(['*']);
  });

  it('maps cef-samples.log line by line (golden)', async () => {
    const result = await runKind(cefKind, sample('cef-samples.log'));
    const events = okEvents(result);
    expect(result.ok && result.warnings).toEqual([]);
    expect(events).toHaveLength(5);
    expectGolden(events, 'cef/cef-samples.json');
  });

  it('keeps each line as raw and derives stable ids, so a resend dedupes', async () => {
    const lines = sample('cef-samples.log').toString('utf8').trimEnd().split('\n');
    const first = okEvents(await runKind(cefKind, sample('cef-samples.log')));
    const again = okEvents(await runKind(cefKind, `${lines[2]}\n`));
    expect(first.map((e) => e.raw)).toEqual(lines);
    expect(again[0]?.id).toBe(first[2]?.id);
    expect(new Set(first.map((e) => e.id)).size).toBe(5);
  });

  it('reads the same events through the syslog kind (CEF detected inside syslog)', async () => {
    const viaCef = okEvents(await runKind(cefKind, sample('cef-samples.log')));
    const viaSyslog = okEvents(await runKind(syslogKind, sample('cef-samples.log')));
    expect(viaSyslog).toEqual(viaCef);
  });
});

describe('cef kind: bad lines', () => {
  it('refuses each defect of bad/cef-bad.log by line, keeping the one good line', async () => {
    const result = await runKind(cefKind, sample('bad/cef-bad.log'));
    expectRejected(result, 1, {
      '/0/severity': ['got " token authentication failed"', 'unescaped "|"', '\\|'],
      '/0/extension': 'before any key',
      '/1/header': ['has 6 header fields', 'CEF needs 7', 'severity'],
      '/2/extension/request': ['unescaped "="', '\\='],
      '/3/severity': ['0–10', 'got "11"'],
      '/4/extension': ['contains a tab', 'spaces'],
      '/6': ['is not a CEF message', 'raw line break', '\\n'],
    });
    if (!result.ok) return;
    expect(result.rejected?.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(result.events[0]?.labels.msg).toBe('Ignore previous instructions');
  });

  it('says "line N" in every reason, counting from 1', async () => {
    const result = await runKind(cefKind, sample('bad/cef-bad.log'));
    if (!result.ok) throw new Error('expected partial');
    for (const item of result.rejected ?? [])
      for (const error of item.errors)
        expect(error.reason).toMatch(new RegExp(`^line ${item.index + 1}: `));
  });

  it('refuses a body with no CEF at all, and an empty body', async () => {
    expectRefused(await runKind(cefKind, 'hello\n'), { '/0': 'is not a CEF message' });
    expectRefused(await runKind(cefKind, '\n \n'), { '': 'got an empty body' });
  });

  it('refuses a raw line break inside an octet-counted frame', async () => {
    const message = `${HEAD}msg=one\ntwo`;
    const result = await runKind(cefKind, `${Buffer.byteLength(message)} ${message}`);
    expectRefused(result, { '/0': ['raw line break', '\\n'] });
  });

  it('refuses a CEF version above 1 and a bad rt, naming the forms it takes', async () => {
    expectRefused(await runKind(cefKind, 'CEF:2|A|B|1|x|n|5|src=192.0.2.1'), {
      '/0/version': 'must be 0 or 1',
    });
    expectRefused(await runKind(cefKind, `${HEAD}rt=yesterday`), {
      '/0/extension/rt': ['epoch milliseconds', 'MMM dd yyyy HH:mm:ss', 'got "yesterday"'],
    });
    expectRefused(await runKind(cefKind, `${HEAD}rt=1718035498`), {
      '/0/extension/rt': 'epoch seconds',
    });
  });

  it('refuses a cnN that is not a number (numeric by type)', async () => {
    expectRefused(await runKind(cefKind, `${HEAD}cn1Label=latency_ms cn1=fast`), {
      '/0/extension/cn1': ['finite number', 'got "fast"'],
    });
  });
});

describe('cef kind: mapping details', () => {
  async function one(extension: string, options?: unknown) {
    const events = okEvents(await runKind(cefKind, `${HEAD}${extension}`, { options }));
    expect(events).toHaveLength(1);
    return events[0] ?? expect.unreachable();
  }

  it('reads severity words and the 0–10 bands', async () => {
    const cases: [string, string][] = [
      ['0', 'low'],
      ['3', 'low'],
      ['4', 'medium'],
      ['6', 'medium'],
      ['7', 'high'],
      ['8', 'high'],
      ['9', 'critical'],
      ['10', 'critical'],
      ['Low', 'low'],
      ['Medium', 'medium'],
      ['High', 'high'],
      ['Very-High', 'critical'],
      ['Unknown', 'medium'],
    ];
    for (const [level, severity] of cases) {
      const line = `CEF:0|A|B|1|sig|Name|${level}|src=192.0.2.1`;
      expect(okEvents(await runKind(cefKind, line))[0]?.severity, level).toBe(severity);
    }
  });

  it('reads rt as epoch ms or MMM dd yyyy HH:mm:ss[.SSS][ zone], zone-less in the timezone option', async () => {
    expect((await one('rt=Jun 10 2024 16:04:58')).time).toBe(Date.UTC(2024, 5, 10, 16, 4, 58));
    expect((await one('rt=Jun 10 2024 16:04:58.5 CEST')).time).toBe(
      Date.UTC(2024, 5, 10, 14, 4, 58, 500),
    );
    expect((await one('rt=Jun 10 2024 16:04:58 +02:00')).time).toBe(
      Date.UTC(2024, 5, 10, 14, 4, 58),
    );
    expect((await one('rt=Jun 10 2024 16:04:58', { timezone: 'America/New_York' })).time).toBe(
      Date.UTC(2024, 5, 10, 20, 4, 58),
    );
    expect((await one('rt=Jan 10 2024 16:04:58 Europe/Berlin')).time).toBe(
      Date.UTC(2024, 0, 10, 15, 4, 58),
    );
    // No rt: end, then start, then the syslog header's time, then receipt.
    expect((await one('end=1718035498441 start=1718035400000')).time).toBe(1718035498441);
    const none = await one('src=192.0.2.1');
    expect(none.time).toBe(SAMPLE_NOW);
    expect(none.labels[TIME_MISSING_LABEL]).toBe('true');
  });

  it('takes the time from the syslog header when the CEF has none', async () => {
    const events = okEvents(
      await runKind(cefKind, `<134>Jun 10 16:04:58 gw-02 ${HEAD}src=192.0.2.1`),
    );
    expect(events[0]?.time).toBe(Date.UTC(2024, 5, 10, 16, 4, 58));
    expect(events[0]?.entity.host).toBe('gw-02');
  });

  it('routes custom labels: defaults, the map option, and unlabeled slots', async () => {
    const line =
      'cs1Label=apiKeyHash cs1=abc123 cs2Label=tenant cs2=acme cn1Label=tokensIn cn1=12 cs3=unlabelled ' +
      'cfp1Label=score cfp1=0.5 cs4Label=latencyMs cs4=88';
    const plain = await one(line);
    expect(plain.entity).toEqual({ api_key: 'abc123', tenant: 'acme' });
    expect(plain.measures).toEqual({ tokens_in: 12, score: 0.5, latency_ms: 88 });
    expect(plain.labels).toMatchObject({ cs3: 'unlabelled' });
    const mapped = await one(line, {
      map: { apiKeyHash: 'labels.key_alias', score: 'measures.risk_score', cs3: 'entity.session' },
    });
    expect(mapped.entity).toEqual({ tenant: 'acme', session: 'unlabelled' });
    expect(mapped.labels.key_alias).toBe('abc123');
    expect(mapped.measures).toEqual({ tokens_in: 12, risk_score: 0.5, latency_ms: 88 });
  });

  it('maps users, addresses, hosts and request; keeps the rest as snake_case labels', async () => {
    const event = await one(
      'suser=alice duser=bob src=[2001:DB8::7]:443 shost=ws-1 dhost=gw request=/v1/chat requestMethod=POST ' +
        'outcome=/Success cnt=3 deviceExternalId=dev-9',
    );
    expect(event.entity).toEqual({
      user: 'alice',
      ip: '2001:db8::7',
      host: 'ws-1',
      endpoint: '/v1/chat',
    });
    expect(event.outcome).toBe('success');
    expect(event.measures).toEqual({ count: 3 });
    expect(event.labels).toMatchObject({
      duser: 'bob',
      dhost: 'gw',
      request_method: 'POST',
      device_external_id: 'dev-9',
      signature_id: 'auth.failure',
    });
    expect(event.labels.outcome).toBeUndefined();
  });

  it('keeps a bad address as a label with a warning, not as entity.ip', async () => {
    const result = await runKind(cefKind, `${HEAD}src=not-an-ip`);
    const events = okEvents(result);
    expect(events[0]?.entity.ip).toBeUndefined();
    expect(events[0]?.labels.src).toBe('not-an-ip');
    expect(result.ok && result.warnings).toEqual([
      expect.stringMatching(/^\/0\/extension\/src: line 1: must be an IPv4 or IPv6 address/),
    ]);
  });

  it('infers the kind from cat or the class id, unless the kind option says', async () => {
    expect((await one('cat=/Authentication/Verify')).kind).toBe('login');
    expect((await one('cat=Model Drift')).kind).toBe('drift');
    // A category that says nothing: the class id ("auth.failure") decides.
    expect((await one('cat=abuse')).kind).toBe('login');
    const plain = okEvents(await runKind(cefKind, 'CEF:0|A|B|1|ids.hit|Port scan|5|cat=recon'));
    expect(plain[0]?.kind).toBe('alert');
    expect((await one('cat=/Authentication/Verify', { kind: 'audit' })).kind).toBe('audit');
  });
});

describe('cef kind: names and ids', () => {
  it('names an event by Name, else its class id, else "cef"', async () => {
    const names = okEvents(
      await runKind(
        cefKind,
        ['CEF:0|A|B|1|sig|Name|3|', 'CEF:0|A|B|1|sig| |3|', 'CEF:0|A|B|1|||3|'].join('\n'),
      ),
    ).map((e) => e.name);
    expect(names).toEqual(['Name', 'sig', 'cef']);
  });

  it('uses externalId for the id when present, so a resend through another relay dedupes', async () => {
    const a = okEvents(
      await runKind(cefKind, 'CEF:0|A|B|1|sig|Name|3|externalId=42 rt=1718035498441'),
    );
    const b = okEvents(
      await runKind(
        cefKind,
        '<13>Jun 10 16:05:00 relay CEF:0|A|B|1|sig|Name|3|externalId=42 rt=1718035498441',
      ),
    );
    const c = okEvents(
      await runKind(cefKind, 'CEF:0|A|B|1|sig|Name|3|externalId=43 rt=1718035498441'),
    );
    expect(a[0]?.id).toBe(b[0]?.id);
    expect(a[0]?.id).not.toBe(c[0]?.id);
  });
});
