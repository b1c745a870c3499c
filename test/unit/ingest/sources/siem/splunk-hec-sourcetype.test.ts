import { describe, expect, it } from 'vitest';
import { splunkHecKind } from '../../../../../src/ingest/sources/splunk-hec/index.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import { fixtureBytes, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import { expectPartial } from '../../ingest-test-helpers.js';

const CLOUDTRAIL = JSON.parse(
  fixtureBytes('samples/ingest/cloudtrail-consolelogin-failure.json').toString(),
) as Record<string, unknown>;
const CEF_LINE = fixtureBytes('samples/ingest/cef-samples.log').toString().split('\n')[0] ?? '';

const envelope = (event: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ time: 1718035400, host: 'hf-01', index: 'aws', event, ...extra });

describe('splunk-hec: the sourcetype selects the reader of the event', () => {
  it('reads a CloudTrail record sent by the Splunk Add-on for AWS as CloudTrail does', async () => {
    const body = envelope(CLOUDTRAIL, {
      sourcetype: 'aws:cloudtrail',
      fields: { account: 'prod' },
    });
    const [viaHec] = okEvents(await runKind(splunkHecKind, body));
    const cloudtrail = getSourceKind('cloudtrail');
    if (!cloudtrail) throw new Error('cloudtrail kind missing');
    const [direct] = okEvents(await runKind(cloudtrail, JSON.stringify(CLOUDTRAIL)));
    // The record's own reading: kind, outcome, who and from where, its own time.
    expect(viaHec).toMatchObject({
      kind: direct?.kind,
      name: direct?.name,
      outcome: 'failure',
      time: Date.parse('2024-06-10T16:04:29Z'),
      entity: { user: 'ml-engineer-carol', ip: '203.0.113.77' },
    });
    expect(viaHec?.kind).toBe('login');
    // … plus what the envelope says.
    expect(viaHec?.labels).toMatchObject({
      'splunk.sourcetype': 'aws:cloudtrail',
      'splunk.index': 'aws',
      account: 'prod',
    });
    expect(viaHec?.entity.host).toBe('hf-01');
  });

  it('matches sourcetypes case-insensitively and reads string events with line kinds (CEF)', async () => {
    const [event] = okEvents(
      await runKind(splunkHecKind, envelope(CEF_LINE, { sourcetype: 'CEF' })),
    );
    expect(event).toMatchObject({
      outcome: 'failure',
      entity: { ip: '203.0.113.77', user: 'alice@example.com' },
      labels: { 'splunk.sourcetype': 'CEF' },
    });
  });

  it('leaves unmapped sourcetypes, and ones mapped back to splunk-hec, to the HEC reader', async () => {
    const plain = { kind: 'inference', api_key: 'k-1', latency_ms: 12 };
    const [unmapped] = okEvents(
      await runKind(splunkHecKind, envelope(plain, { sourcetype: 'litellm:log' })),
    );
    expect(unmapped).toMatchObject({ kind: 'inference', name: 'litellm:log' });
    const result = await runKind(
      splunkHecKind,
      envelope(CLOUDTRAIL, { sourcetype: 'aws:cloudtrail' }),
      {
        options: { sourcetypes: { 'aws:cloudtrail': 'splunk-hec' } },
      },
    );
    const [asHec] = okEvents(result);
    expect(asHec?.kind).toBe('log');
    expect(asHec?.name).toBe('aws:cloudtrail');
  });

  it('takes mappings from the connector, e.g. a custom sourcetype for Okta System Log events', async () => {
    const okta = fixtureBytes('samples/ingest/okta-systemlog-event-login-success.json').toString();
    const [event] = okEvents(
      await runKind(splunkHecKind, envelope(JSON.parse(okta), { sourcetype: 'acme:okta' }), {
        options: { sourcetypes: { 'acme:okta': 'okta' } },
      }),
    );
    expect(event?.kind).toBe('login');
    expect(event?.labels['splunk.sourcetype']).toBe('acme:okta');
  });

  it('refuses only the item whose mapped record is bad, located under its event', async () => {
    const bad = { ...CLOUDTRAIL, eventTime: 'yesterday' };
    const body = [
      envelope(CLOUDTRAIL, { sourcetype: 'aws:cloudtrail' }),
      envelope(bad, { sourcetype: 'aws:cloudtrail' }),
      envelope({ kind: 'log' }, { sourcetype: 'aws:cloudtrail', fields: { nested: { a: 1 } } }),
    ].join('\n');
    const result = await runKind(splunkHecKind, body);
    expectPartial(result, 1, {
      '/1/event/eventTime': 'yesterday',
      '/2/fields/nested': 'flat',
    });
  });

  it('reads /raw lines by the sourcetype in the query', async () => {
    const result = await splunkHecKind.normalise(
      {
        body: fixtureBytes('samples/ingest/cef-samples.log'),
        contentType: 'text/plain',
        headers: {},
        endpoint: 'raw',
        query: { sourcetype: 'cef', host: 'fw-7' },
      },
      {
        contentType: 'text/plain',
        now: SAMPLE_NOW,
        source: 'hec',
        options: splunkHecKind.options?.compile(undefined, () => undefined) as never,
        memory: new LocalSourceMemory(() => SAMPLE_NOW),
      },
    );
    const events = okEvents(result);
    expect(events.length).toBeGreaterThan(1);
    expect(events[0]).toMatchObject({ outcome: 'failure', labels: { 'splunk.sourcetype': 'cef' } });
  });

  it('refuses a mapping to a source type that does not exist, naming it', () => {
    const problems: string[] = [];
    const compiled = splunkHecKind.options?.compile(
      { sourcetypes: { 'aws:cloudtrail': 'cloud-trail' } },
      (path, reason) => problems.push(`${path.join('.')}: ${reason}`),
    );
    expect(compiled).toBeUndefined();
    expect(problems).toEqual([
      expect.stringContaining('sourcetypes.aws:cloudtrail: must name a source type'),
    ]);
    expect(problems[0]).toContain('"cloud-trail"');
  });
});
