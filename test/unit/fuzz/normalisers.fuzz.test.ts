/**
 * Fuzzing every ingest normaliser: for any body it returns events or located errors (never
 * throws), within the error cap, and what it accepts can be stored (serialised) as is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertmanagerNormaliser,
  genericNormaliser,
  splunkWebhookNormaliser,
} from '../../../src/ingest/normalizers/index.js';
import type { NormaliseResult, Normaliser } from '../../../src/ingest/normalizers/types.js';
import {
  alertmanagerLike,
  deepRawEvent,
  eventLike,
  jsonBodies,
  ndjsonBodies,
  RUNS,
  splunkLike,
} from './arbitraries.js';
import { checkResult as checkSourceResult } from '../../helpers/source-fuzz.js';

const NOW = Date.UTC(2026, 0, 1);

function checkResult(result: NormaliseResult): void {
  checkSourceResult(result, (event) => expect(typeof event.kind).toBe('string'));
}

const cases: [string, Normaliser, string, fc.Arbitrary<Buffer>][] = [
  [
    'generic JSON',
    genericNormaliser,
    'application/json',
    fc.oneof(jsonBodies(eventLike), deepRawEvent),
  ],
  ['generic NDJSON', genericNormaliser, 'application/x-ndjson', ndjsonBodies(eventLike)],
  ['alertmanager', alertmanagerNormaliser, 'application/json', jsonBodies(alertmanagerLike)],
  ['splunk-webhook', splunkWebhookNormaliser, 'application/json', jsonBodies(splunkLike)],
];

describe.each(cases)('%s normaliser', (_name, normaliser, contentType, bodies) => {
  it('returns events or located errors for any body, never throwing', () => {
    fc.assert(
      fc.property(bodies, fc.integer({ min: 2, max: 100 }), (body, maxDepth) => {
        checkResult(
          normaliser.normalise(body, { contentType, now: NOW, source: 'fuzz', maxDepth }),
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
