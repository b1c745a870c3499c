import { describe, expect, it } from 'vitest';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import { TFSERVING_KIND } from '../../../../../src/ingest/sources/tfserving/index.js';
import { expectGolden, fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind, sentWith } from '../../../../helpers/source-fuzz.js';

const SAMPLE = fixtureBytes('samples/ingest/tfserving-prediction-log.json');
const NDJSON = fixtureBytes('samples/ingest/tfserving-prediction-logs.ndjson');
const BAD = fixtureBytes('samples/ingest/bad/tfserving-prediction-log-int64-as-number.json');

const sampleLog = (): Record<string, any> => JSON.parse(SAMPLE.toString('utf8'));

describe('tfserving: TF Serving PredictionLog (proto3 JSON)', () => {
  it('maps one PredictionLog (golden)', async () => {
    const events = okEvents(await runKind(TFSERVING_KIND, SAMPLE));
    expectGolden(events, 'tfserving/prediction-log.json');
    const [event] = events;
    expect(event).toMatchObject({
      kind: 'inference',
      name: 'inference.predict',
      outcome: 'success',
      time: 1718035498000,
      entity: { model: 'fraud_scorer', model_version: '3' },
      measures: { count: 1, sample_weight: 20 },
      labels: { sampling_rate: '0.05', signature_name: 'serving_default', log_type: 'predict' },
    });
  });

  it('reads NDJSON with camelCase and snake_case names and Int64Value wrappers (golden)', async () => {
    const events = okEvents(
      await runKind(TFSERVING_KIND, NDJSON, { contentType: 'application/x-ndjson' }),
    );
    expectGolden(events, 'tfserving/prediction-logs-ndjson.json');
    expect(events.map((e) => e.name)).toEqual(['inference.predict', 'inference.classify']);
    expect(events[0]?.measures.count).toBe(2);
    expect(events[1]?.entity).toEqual({ model: 'spam_filter', model_version: '12' });
    expect(events[1]?.measures.count).toBe(3);
    expect(events[1]?.labels.dc).toBe('eu-west-1');
  });

  it('reads NDJSON sent as application/json too (a common mislabel)', async () => {
    expect(okEvents(await runKind(TFSERVING_KIND, NDJSON))).toHaveLength(2);
  });

  it('reads an array of records, each refused on its own', async () => {
    const bad = sampleLog();
    bad.logMetadata.modelSpec = { version: 'three' };
    const result = await runKind(TFSERVING_KIND, JSON.stringify([sampleLog(), bad]));
    expectPartial(result, 1, {
      '/1/logMetadata/modelSpec/name': "model's name",
      '/1/logMetadata/modelSpec/version': 'int64',
    });
  });

  it('refuses the int64-as-number sample: ms in a seconds field, with the fix', async () => {
    const result = await runKind(TFSERVING_KIND, BAD);
    expectErrorsAt(result, {
      '/logMetadata/timestampSecs': [
        'epoch milliseconds',
        'Send 1718035498',
        '1718035498441 (a number)',
      ],
    });
  });

  it('accepts int64 as a number when it is right, and warns about a missing response', async () => {
    const log = JSON.parse(BAD.toString('utf8'));
    log.logMetadata.timestampSecs = 1718035498;
    const result = await runKind(TFSERVING_KIND, JSON.stringify(log));
    const [event] = okEvents(result);
    expect(event?.entity.model_version).toBe('3');
    expect(event?.time).toBe(1718035498000);
    expect(event?.outcome).toBe('unknown');
    expect(result.ok && result.warnings.join()).toContain('has no response');
  });

  it('reads a PredictStreamedLog (lists of requests and responses)', async () => {
    const log = sampleLog();
    log.predictStreamedLog = {
      request: [log.predictLog.request, log.predictLog.request],
      response: [log.predictLog.response],
    };
    delete log.predictLog;
    const [event] = okEvents(await runKind(TFSERVING_KIND, JSON.stringify(log)));
    expect(event).toMatchObject({ name: 'inference.predict_streamed', outcome: 'success' });
    expect(event?.measures.count).toBe(1);
  });

  it('uses the receipt time without timestampSecs', async () => {
    const log = sampleLog();
    delete log.logMetadata.timestampSecs;
    const [event] = okEvents(await runKind(TFSERVING_KIND, JSON.stringify(log)));
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
  });

  it('refuses records without metadata or without a log, or with two logs', async () => {
    expectErrorsAt(await runKind(TFSERVING_KIND, '{"predictLog":{}}'), {
      '/logMetadata': 'is required',
    });
    const two = sampleLog();
    two.classifyLog = { request: {} };
    expectErrorsAt(await runKind(TFSERVING_KIND, JSON.stringify(two)), {
      '': ['predictLog and classifyLog', 'exactly one'],
    });
    const none = sampleLog();
    delete none.predictLog;
    expectErrorsAt(await runKind(TFSERVING_KIND, JSON.stringify(none)), { '': 'has no log' });
  });

  it('dedupes a re-shipped record by content', async () => {
    const [a] = okEvents(await runKind(TFSERVING_KIND, SAMPLE));
    const [b] = okEvents(await runKind(TFSERVING_KIND, JSON.stringify(sampleLog())));
    expect(a?.id).toBe(b?.id);
    expect(a?.id).toMatch(/^tfserving_[0-9a-f]{32}$/);
  });

  it('caps large tensors in raw', async () => {
    const log = sampleLog();
    log.predictLog.request.inputs.amount.floatVal = Array.from({ length: 5000 }, (_, i) => i / 7);
    const [event] = okEvents(await runKind(TFSERVING_KIND, JSON.stringify(log)));
    const raw = event?.raw as Record<string, any>;
    expect(raw.predictLog.request.inputs.amount.floatVal).toMatchObject({
      cordon_truncated: 'array',
      length: 5000,
    });
  });

  it('ignores a sampling rate so small its inverse weight would be infinite', async () => {
    const log = sampleLog();
    log.logMetadata.samplingConfig = { samplingRate: 5e-324 };
    const [event] = okEvents(
      await runKind(TFSERVING_KIND, Buffer.from(JSON.stringify(log)), {
        contentType: 'application/json',
      }),
    );
    expect(event?.measures.sample_weight).toBeUndefined();
    expect(event?.labels.sampling_rate).toBeUndefined();
  });

  it('never throws or hangs on random bytes, random JSON or cut samples', async () => {
    await fuzzKind(TFSERVING_KIND, [SAMPLE, NDJSON, BAD], {
      run: sentWith([{}], ['application/json', 'application/x-ndjson']),
    });
  });
});
