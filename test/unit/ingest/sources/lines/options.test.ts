import { describe, expect, it } from 'vitest';
import { LINE_OPTIONS_SPEC } from '../../../../../src/ingest/sources/lines/options.js';
import { cefKind } from '../../../../../src/ingest/sources/cef/cef-kind.js';
import { leefKind } from '../../../../../src/ingest/sources/leef/leef-kind.js';
import { syslogKind } from '../../../../../src/ingest/sources/syslog/syslog-kind.js';

function compile(value: unknown) {
  const problems: string[] = [];
  const options = LINE_OPTIONS_SPEC.compile(value, (path, reason) =>
    problems.push(`${path.join('.')}: ${reason}`),
  );
  return { options, problems };
}

describe('line source options', () => {
  it('are shared by cef, leef and syslog', () => {
    for (const kind of [cefKind, leefKind, syslogKind])
      expect(kind.options).toBe(LINE_OPTIONS_SPEC);
    expect(LINE_OPTIONS_SPEC.keys).toEqual(['timezone', 'kind', 'map']);
  });

  it('default to UTC, kind auto and no map', () => {
    const { options, problems } = compile(undefined);
    expect(problems).toEqual([]);
    expect(options).toEqual({ zone: { offsetMinutes: 0 }, kind: 'auto', map: new Map() });
  });

  it('compile a zone, a kind and a map', () => {
    const { options, problems } = compile({
      timezone: 'Europe/Berlin',
      kind: 'login',
      map: { apiKeyHash: 'entity.api_key', latency: 'measures.latency_ms', rule: 'labels.rule_id' },
    });
    expect(problems).toEqual([]);
    expect(options?.zone).toEqual({ timeZone: 'Europe/Berlin' });
    expect(options?.kind).toBe('login');
    expect([...(options?.map ?? [])]).toEqual([
      ['apiKeyHash', { to: 'entity', field: 'api_key' }],
      ['latency', { to: 'measures', name: 'latency_ms' }],
      ['rule', { to: 'labels', name: 'rule_id' }],
    ]);
  });

  it('report every bad value at its path, with the fix', () => {
    const { options, problems } = compile({
      timezone: 'Mars/Base',
      kind: 'incident',
      map: { a: 'entity.user_id', b: 'labels.Bad Name', c: 7, d: 'measures.ok' },
      extra: true,
    });
    expect(options).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/^extra: is not an option of line sources/),
      expect.stringMatching(/^timezone: must be an IANA zone name .*got "Mars\/Base"/),
      expect.stringMatching(/^kind: must be "auto" or an event kind .*got "incident"/),
      expect.stringMatching(/^map\.a: "entity\.user_id" is not a target; write "entity\.<field>"/),
      expect.stringMatching(/^map\.b: "labels\.Bad Name" is not a target/),
      expect.stringMatching(/^map\.c: must be a target path string; got 7 \(a number\)/),
    ]);
    expect(compile('utc').problems).toEqual([expect.stringMatching(/^: must be a mapping/)]);
    expect(compile({ map: ['x'] }).problems).toEqual([
      expect.stringMatching(/^map: must be a mapping/),
    ]);
  });
});
