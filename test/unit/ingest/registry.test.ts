import { describe, expect, it } from 'vitest';
import {
  alertmanagerNormaliser,
  genericNormaliser,
  getNormaliser,
  NORMALISER_FORMATS,
  splunkWebhookNormaliser,
} from '../../../src/ingest/normalizers/index.js';

describe('normaliser registry', () => {
  it('lists the formats and finds each normaliser by its own format name', () => {
    expect(NORMALISER_FORMATS).toEqual(['generic', 'alertmanager', 'splunk-webhook']);
    for (const format of NORMALISER_FORMATS) expect(getNormaliser(format)?.format).toBe(format);
    expect(getNormaliser('generic')).toBe(genericNormaliser);
    expect(getNormaliser('alertmanager')).toBe(alertmanagerNormaliser);
    expect(getNormaliser('splunk-webhook')).toBe(splunkWebhookNormaliser);
  });

  it('knows no other format, not even Object.prototype names', () => {
    expect(getNormaliser('splunk')).toBeUndefined();
    expect(getNormaliser('constructor')).toBeUndefined();
    expect(getNormaliser('__proto__')).toBeUndefined();
  });

  it('declares the content types each accepts', () => {
    expect(genericNormaliser.contentTypes).toEqual([
      'application/json',
      'application/x-ndjson',
      'application/jsonl',
      'application/json-lines',
    ]);
    expect(alertmanagerNormaliser.contentTypes).toEqual(['application/json']);
    expect(splunkWebhookNormaliser.contentTypes).toEqual(['application/json']);
  });

  it('never throws, whatever the bytes', () => {
    const bodies = [
      '',
      'null',
      '[]',
      '{}',
      '"x"',
      '1e999',
      '[[[[',
      '\u0000',
      '{"alerts":[null]}',
      '{"result":{"_time":{}}}',
    ];
    for (const normaliser of [genericNormaliser, alertmanagerNormaliser, splunkWebhookNormaliser]) {
      for (const body of bodies) {
        const result = normaliser.normalise(Buffer.from(body), {
          contentType: 'application/json',
          now: 0,
          source: 's',
        });
        expect(result.ok).toBe(false);
      }
    }
  });
});
