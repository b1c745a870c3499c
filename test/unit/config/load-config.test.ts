import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe('loadConfig', () => {
  it('applies the embedded defaults and freezes the result', () => {
    const config = loadConfig({}, '/srv/cordon');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      redisUrl: undefined,
      redisPrefix: 'cordon',
      contentDir: '/srv/cordon',
      homeDir: '/srv/cordon/.cordon',
      tokensFile: '/srv/cordon/.cordon/tokens.json',
      roles: ['api', 'correlator', 'runner', 'worker'],
      crashPoints: [],
    });
    expect(config.ingest.dedupeWindowMs).toBe(86_400_000);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jobs)).toBe(true);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ CORDON_PORT: '  ', REDIS_URL: '' }, '/x')).toMatchObject({
      port: 8080,
      redisUrl: undefined,
    });
  });

  it('reports every invalid variable at once, never echoing a Redis URL', () => {
    let message = '';
    try {
      loadConfig(
        {
          CORDON_PORT: '99999',
          CORDON_ROLES: 'api,correlatr',
          REDIS_URL: 'http://user:hunter2@redis',
          CORDON_LOG_LEVEL: 'loud',
          CORDON_REDIS_PREFIX: 'a b',
        },
        '/x',
      );
    } catch (err) {
      expect(err).toMatchObject({ code: 'CORDON_ERR_CONFIG_INVALID' });
      message = (err as Error).message;
    }
    expect(message).toContain('Configuration has 5 problem(s)');
    expect(message).toContain('CORDON_PORT must be a whole number from 0 to 65535; got "99999".');
    expect(message).toContain(
      'CORDON_ROLES lists unknown role(s) "correlatr"; use api, correlator, runner, worker.',
    );
    expect(message).toContain('CORDON_LOG_LEVEL must be one of');
    expect(message).toContain('CORDON_REDIS_PREFIX must be letters');
    expect(message).toContain('REDIS_URL must be a URL starting with redis:// or rediss://');
    expect(message).not.toContain('hunter2');
  });

  it('reads the retention policy, with defaults and clear errors', () => {
    expect(loadConfig({}, '/x').retention).toMatchObject({
      keep: { raw: 'always', rawSample: 0.01, text: 'keep' },
      eventsMax: 10_000_000,
      incidentsResolvedMs: 90 * 86_400_000,
      incidentsIdleMs: 30 * 86_400_000,
      runsMs: 90 * 86_400_000,
      effectsMs: 30 * 86_400_000,
    });
    const set = loadConfig(
      { CORDON_RETENTION_RAW: 'drop', CORDON_RETENTION_INCIDENTS_MAX: '500' },
      '/x',
    ).retention;
    expect(set).toMatchObject({ keep: { raw: 'none' }, incidentsMax: 500 });
    // Text has no period of its own unless one is set (0: as long as its event).
    expect(loadConfig({}, '/x').retention.textMs).toBe(0);
    expect(loadConfig({ CORDON_RETENTION_TEXT_MS: '86400000' }, '/x').retention.textMs).toBe(
      86_400_000,
    );
    expect(() => loadConfig({ CORDON_RETENTION_TEXT_MS: '-1' }, '/x')).toThrow(
      /CORDON_RETENTION_TEXT_MS must be a whole number from 0/,
    );
    expect(
      loadConfig(
        {
          CORDON_RETENTION_RAW: 'sampled',
          CORDON_RETENTION_RAW_SAMPLE_PERMILLE: '50',
          CORDON_INGEST_TEXT: 'redact',
        },
        '/x',
      ).retention.keep,
    ).toEqual({ raw: 'sampled', rawSample: 0.05, text: 'redact' });
    expect(() =>
      loadConfig({ CORDON_RETENTION_RAW: 'some', CORDON_RETENTION_RUNS_MS: '10' }, '/x'),
    ).toThrow(
      /CORDON_RETENTION_RAW must be one of always, on-failure, sampled, none, keep, drop; got "some"[\s\S]*CORDON_RETENTION_RUNS_MS must be a whole number from 1000/,
    );
  });

  it('selects roles for a split deployment', () => {
    expect(loadConfig({ CORDON_ROLES: 'api, worker' }, '/x').roles).toEqual(['api', 'worker']);
  });
});

describe('loadConfig: timeouts and limits', () => {
  it('reads them, and refuses a header timeout longer than the request timeout', () => {
    const config = loadConfig({
      CORDON_HTTP_HEADERS_TIMEOUT_MS: '500',
      CORDON_REDIS_COMMAND_TIMEOUT_MS: '750',
      CORDON_INGEST_MAX_LAG_ENTRIES: '0',
      CORDON_API_RATE_PER_S: '20',
    });
    expect(config.http.headersTimeoutMs).toBe(500);
    // Acknowledgement by replicas is off unless asked for (README "Scaling out").
    expect(config.redis).toEqual({
      commandTimeoutMs: 750,
      connectWaitMs: 10_000,
      ingestAckReplicas: 0,
      ingestAckTimeoutMs: 1000,
      effectAckReplicas: 0,
      effectAckTimeoutMs: 1000,
      eventLogPartitions: 1,
    });
    expect(config.limits).toEqual({
      retryAfterS: 5,
      ingestMaxLagEntries: 0,
      apiRatePerS: 20,
      apiRateBurst: 1_000,
    });
    expect(() =>
      loadConfig({
        CORDON_HTTP_HEADERS_TIMEOUT_MS: '5000',
        CORDON_HTTP_REQUEST_TIMEOUT_MS: '1000',
      }),
    ).toThrow(
      /CORDON_HTTP_HEADERS_TIMEOUT_MS \(5000\) must not exceed CORDON_HTTP_REQUEST_TIMEOUT_MS/,
    );
  });
});
