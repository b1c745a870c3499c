import { describe, expect, it } from 'vitest';
import { kibanaKind } from '../../../../../src/ingest/sources/kibana/index.js';
import { expectGolden, fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectErrors, expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, any>;

const RENDERED = 'samples/ingest/elastic-kibana-webhook-body-rendered.json';
const RULE_ONLY = 'samples/ingest/elastic-kibana-webhook-body-rule-only.json';
const TEMPLATE = 'samples/ingest/elastic-kibana-webhook-connector-template.txt';

function sampleJson(path: string): Json {
  return JSON.parse(fixtureBytes(path).toString('utf8'));
}

function run(body: unknown) {
  return runKind(kibanaKind, typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * Renders the recommended template the way Kibana would (comment lines dropped, `{{x}}`
 * JSON-string-escaped, `{{{x}}}` verbatim), so the test checks the template we ship.
 */
function renderTemplate(view: Record<string, string>): string {
  return fixtureBytes(TEMPLATE)
    .toString('utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .replace(/\{\{\{([^}]+)\}\}\}/g, (_m, name: string) => view[name] ?? '')
    .replace(/\{\{([^}]+)\}\}/g, (_m, name: string) =>
      JSON.stringify(view[name] ?? '').slice(1, -1),
    );
}

describe('kibana kind: samples', () => {
  it('fans out the rendered body as its golden says', async () => {
    const result = await runKind(kibanaKind, fixtureBytes(RENDERED));
    const events = okEvents(result);
    expectGolden(events, 'kibana/body-rendered.json');
    expect(events.map((e) => e.id)).toEqual([
      'e1f0c3d2a9b84b7f8c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b',
      'f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1',
    ]);
    // The second alert has no rule name: the rule's, from the body, fills it in.
    expect(events[1]).toMatchObject({
      name: 'Multiple failed logins then LLM API key use from new country',
      time: Date.UTC(2024, 5, 10, 16, 4, 59, 500),
      entity: { ip: '203.0.113.78', user: 'alice@example.com' },
      labels: { 'kibana.space_id': 'default', rule_id: '5b0e8a3c-6f0a-4f2e-9d7d-2a1c0e7f9b11' },
    });
  });

  it('makes one alert event of a rule-only body', async () => {
    const events = okEvents(await runKind(kibanaKind, fixtureBytes(RULE_ONLY)));
    expectGolden(events, 'kibana/body-rule-only.json');
    expect(events).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^kibana_[0-9a-f]{32}$/),
        time: Date.UTC(2024, 5, 10, 16, 30),
        name: 'Inference p99 latency threshold',
        kind: 'alert',
        measures: {},
      }),
    ]);
  });

  it('reads what the recommended template renders', async () => {
    const alert = sampleJson('samples/ingest/elastic-security-alert-document.json')._source;
    const body = renderTemplate({
      'rule.id': 'r-1',
      'rule.name': 'Rule with "quotes"',
      'rule.url': 'https://kibana.example.com/app/rules/r-1',
      'rule.spaceId': 'default',
      date: '2024-06-10T16:05:11.020Z',
      'context.results_link': 'https://kibana.example.com/results',
      'state.signals_count': '1',
      'context.alerts.asJSON': JSON.stringify([alert]),
    });
    const [event] = okEvents(await run(body));
    expect(event).toMatchObject({
      id: alert['kibana.alert.uuid'],
      labels: {
        'kibana.rule_url': 'https://kibana.example.com/app/rules/r-1',
        'kibana.source': 'elastic-security',
      },
    });
  });
});

describe('kibana kind: refusals', () => {
  it('names the Mustache mistakes of a badly rendered body', async () => {
    const result = await runKind(
      kibanaKind,
      fixtureBytes('samples/ingest/bad/elastic-webhook-body-bad-mustache.json'),
    );
    // The syntax error with its position, then the template mistakes that explain it.
    const [syntax, cause, ...rest] = expectErrors(result);
    expect(rest).toEqual([]);
    expect(syntax).toEqual({ path: '', reason: expect.stringContaining('is not valid JSON') });
    expect(syntax?.reason).toContain('line 4');
    expect(cause?.path).toBe('');
    for (const phrase of [
      'unescaped quote',
      'rendered nothing',
      'JSON-string-escaped',
      'use {{{var.asJSON}}}',
    ])
      expect(cause?.reason).toContain(phrase);
  });

  it('refuses alerts rendered inside quotes, and unrendered tags', async () => {
    expectErrorsAt(await run({ ...sampleJson(RENDERED), alerts: '[{"a":1}]' }), {
      '/alerts': 'outside quotes with triple braces',
    });
    expectErrorsAt(await run({ ...sampleJson(RULE_ONLY), rule_name: '{{rule.name}}' }), {
      '/rule_name': ['"{{rule.name}}"', 'not rendered'],
    });
    expectErrorsAt(await run({ ...sampleJson(RULE_ONLY), signals_count: 'many' }), {
      '/signals_count': 'whole number',
    });
  });

  it('refuses an alert that is not one document (a nested list), by its own index', async () => {
    const body = sampleJson(RENDERED);
    body.alerts.push([body.alerts[0]]);
    expectPartial(await run(body), 2, { '/alerts/2': 'must be an alert document or a search hit' });
  });

  it('refuses one bad alert of the list and keeps the others', async () => {
    const body = sampleJson(RENDERED);
    body.alerts[1]['kibana.alert.risk_score'] = 'high';
    expectPartial(await run(body), 1, {
      '/alerts/1/kibana.alert.risk_score': 'number from 0 to 100',
    });
  });
});

describe('kibana kind: robustness', () => {
  it('answers random bytes, random JSON and truncated samples without throwing', async () => {
    await fuzzKind(
      kibanaKind,
      [RENDERED, RULE_ONLY].map((p) => fixtureBytes(p)),
    );
  }, 60_000);
});
