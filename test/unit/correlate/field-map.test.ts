import { describe, expect, it } from 'vitest';
import { resolveFieldPath } from '../../../src/correlate/field-map.js';

describe('resolveFieldPath', () => {
  it.each([
    ['api_key', 'entity.api_key'],
    ['user', 'entity.user'],
    ['user.name', 'entity.user'],
    ['username', 'entity.user'],
    ['ip', 'entity.ip'],
    ['src_ip', 'entity.ip'],
    ['source.ip', 'entity.ip'],
    ['client.ip', 'entity.ip'],
    ['IpAddress', 'entity.ip'],
    ['region', 'entity.geo.region'],
    ['country', 'entity.geo.country'],
    ['city', 'entity.geo.city'],
    ['user_agent.original', 'entity.user_agent'],
    ['UserAgent', 'entity.user_agent'],
    ['session.id', 'entity.session'],
    ['host.name', 'entity.host'],
    ['hostname', 'entity.host'],
    ['model_version', 'entity.model_version'],
    ['tenant', 'entity.tenant'],
    ['feature', 'entity.feature'],
    ['latency_ms', 'measures.latency_ms'],
    ['tokens_in', 'measures.tokens_in'],
    ['drift_score', 'measures.drift_score'],
    ['http.response.status_code', 'measures.status_code'],
    ['event.outcome', 'outcome'],
    // Canonical paths pass through.
    ['kind', 'kind'],
    ['source', 'source'],
    ['entity.api_key', 'entity.api_key'],
    ['Entity.Geo.Region', 'entity.geo.region'],
    ['measures.gpu_seconds', 'measures.gpu_seconds'],
    ['labels.segment_region', 'labels.segment_region'],
    ['labels.Case', 'labels.Case'],
    ['text.prompt', 'text.prompt'],
  ])('%s → %s', (name, path) => {
    expect(resolveFieldPath(name)).toBe(path);
  });

  it.each([
    'apikey_hash',
    'entity.apikey',
    'entity.geo',
    'entity.geo.street',
    'text.body',
    'kind.sub',
    'source.port',
    'labels',
    'labels.',
    'raw.body',
    'entity..user',
    '',
  ])('%j maps nowhere', (name) => {
    expect(resolveFieldPath(name)).toBeUndefined();
  });
});
