import { describe, expect, it } from 'vitest';
import { Findings } from '../../../../../src/ingest/normalizers/findings.js';
import {
  EventMaps,
  readIpValue,
  snakeCase,
} from '../../../../../src/ingest/sources/identity-shared/index.js';

describe('identity helpers', () => {
  it.each([
    ['riskLevelDuringSignIn', 'risk_level_during_sign_in'],
    ['LoginTo', 'login_to'],
    ['MFAIdentifier', 'mfa_identifier'],
    ['New Geo-Location', 'new_geo_location'],
    ['requestId', 'request_id'],
  ])('snake-cases %s as %s', (name, snake) => {
    expect(snakeCase(name)).toBe(snake);
  });

  it('keeps only meaningful label and measure values', () => {
    const maps = new EventMaps();
    maps.label('a', '');
    maps.label('b', null);
    maps.label('c', 64500);
    maps.label('d', false);
    maps.label('e', { x: 1 });
    maps.measure('m', Number.NaN);
    maps.measure('n', 3);
    expect(maps.labels).toEqual({ c: '64500', d: 'false' });
    expect(maps.measures).toEqual({ n: 3 });
  });

  it('reads addresses: placeholders are no address, bad ones are located errors', () => {
    const findings = new Findings();
    const at = findings.root().child('ip');
    expect(readIpValue('203.0.113.7:443', at)).toBe('203.0.113.7');
    expect(readIpValue('unknown', at)).toBeUndefined();
    expect(readIpValue(null, at)).toBeUndefined();
    expect(findings.failed).toBe(false);
    expect(readIpValue('10.0.0.256', at)).toBeUndefined();
    expect(readIpValue(42, at)).toBeUndefined();
    const result = findings.result([]);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['/ip', '/ip']);
  });
});
