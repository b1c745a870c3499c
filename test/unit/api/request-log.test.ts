import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/api/request-log.js';

describe('redactUrl', () => {
  it('keeps known plain query parameters and redacts credential ones by name', () => {
    expect(redactUrl('/v1/limiter/check?key=sk-123&style=nginx', '/v1/limiter/check', {})).toBe(
      '/v1/limiter/check?key=[redacted]&style=nginx',
    );
    expect(redactUrl('/v1/x?TOKEN=abc&api_key=def&limit=5')).toBe(
      '/v1/x?TOKEN=[redacted]&api_key=[redacted]&limit=5',
    );
  });

  it('drops unknown query parameters whole, since their names may be secrets', () => {
    expect(redactUrl('/v1/deadletters?sk-live-1&limit=5&x=y')).toBe(
      '/v1/deadletters?limit=5&[redacted]x2',
    );
    expect(redactUrl('/v1/deadletters?')).toBe('/v1/deadletters');
  });

  it('rebuilds a routed path from its pattern, redacting secret parameters', () => {
    expect(redactUrl('/v1/limiter/keys/sk-123', '/v1/limiter/keys/:key', { key: 'sk-123' })).toBe(
      '/v1/limiter/keys/[redacted]',
    );
    expect(
      redactUrl('/v1/events/events/a%20b', '/v1/events/:source/:id', {
        source: 'events',
        id: 'a b',
      }),
    ).toBe('/v1/events/events/a%20b');
  });

  it('keeps two segments of a path no route matched', () => {
    expect(redactUrl('/v1/limiter/keyz/sk-123')).toBe('/v1/limiter/[redacted]');
    expect(redactUrl('/v1/nothing')).toBe('/v1/nothing');
  });

  it('clips long values', () => {
    expect(redactUrl(`/v1/x?source=${'s'.repeat(100)}`)).toBe(`/v1/x?source=${'s'.repeat(64)}…`);
  });
});
