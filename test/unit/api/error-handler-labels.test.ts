import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../../../src/api/error-handler.js';
import { UNKNOWN_LABEL } from '../../../src/api/metric-labels.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';

describe('error handler metric labels', () => {
  it('counts a 413 under the source only when it is a known one', async () => {
    const metrics = new Metrics();
    const app = Fastify();
    registerErrorHandler(app, createLogger('silent'), metrics, 5, (name) => name === 'events');
    // Marked as the ingest routes are (their 413 is the ingest one, counted by source).
    app.post(
      '/v1/ingest/:source',
      { bodyLimit: 8, config: { senderAuth: true } },
      async () => ({}),
    );
    const post = (source: string): Promise<number> =>
      app
        .inject({
          method: 'POST',
          url: `/v1/ingest/${source}`,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ pad: 'more than eight bytes' }),
        })
        .then((r) => r.statusCode);
    for (let i = 0; i < 50; i += 1) expect(await post(`invented-${i}`)).toBe(413);
    expect(await post('events')).toBe(413);
    const rendered = metrics.render();
    expect(rendered).not.toContain('invented');
    expect(
      metrics.get('cordon_ingest_rejected_total', { source: UNKNOWN_LABEL, reason: 'too-large' }),
    ).toBe(50);
    expect(
      metrics.get('cordon_ingest_rejected_total', { source: 'events', reason: 'too-large' }),
    ).toBe(1);
    await app.close();
  });
});
