import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe('loadConfig: input limits, dead letters and log format', () => {
  it('defaults: depth 64, dead letters 10,000 / 64 MiB / 7 days, log format auto', () => {
    const config = loadConfig({}, '/srv/cordon');
    expect(config.ingest).toMatchObject({
      maxDepth: 64,
      deadLetterMaxEntries: 10_000,
      deadLetterMaxBytes: 64 * 1024 * 1024,
      deadLetterMaxAgeMs: 7 * 86_400_000,
    });
    expect(config.logFormat).toBe('auto');
  });

  it('reads the variables and names each bad one', () => {
    expect(
      loadConfig(
        {
          CORDON_INGEST_MAX_DEPTH: '1000',
          CORDON_DEADLETTER_MAX_BYTES: String(2 * 1024 * 1024),
          CORDON_DEADLETTER_MAX_AGE_MS: '3600000',
          CORDON_LOG_FORMAT: 'json',
        },
        '/x',
      ),
    ).toMatchObject({
      logFormat: 'json',
      ingest: {
        maxDepth: 1000,
        deadLetterMaxBytes: 2 * 1024 * 1024,
        deadLetterMaxAgeMs: 3_600_000,
      },
    });
    expect(() =>
      loadConfig({ CORDON_INGEST_MAX_DEPTH: '5000', CORDON_LOG_FORMAT: 'xml' }, '/x'),
    ).toThrow(
      /CORDON_LOG_FORMAT must be one of auto, json, pretty; got "xml"[\s\S]*CORDON_INGEST_MAX_DEPTH must be a whole number from 2 to 1000; got "5000"/,
    );
  });

  it('refuses a dead-letter body limit larger than the whole dead-letter budget', () => {
    expect(() =>
      loadConfig(
        {
          CORDON_DEADLETTER_BODY_LIMIT_BYTES: String(2 * 1024 * 1024),
          CORDON_DEADLETTER_MAX_BYTES: String(1024 * 1024),
        },
        '/x',
      ),
    ).toThrow(
      /CORDON_DEADLETTER_BODY_LIMIT_BYTES \(2097152\) must not exceed CORDON_DEADLETTER_MAX_BYTES \(1048576\)/,
    );
  });
});
