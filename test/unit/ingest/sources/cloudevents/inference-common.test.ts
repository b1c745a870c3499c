import { describe, expect, it } from 'vitest';
import { arrayShape, capRaw } from '../../../../../src/ingest/sources/inference-common/cap-raw.js';
import { snakeKey } from '../../../../../src/ingest/sources/inference-common/label-keys.js';
import { summarisePayload } from '../../../../../src/ingest/sources/inference-common/payload-summary.js';

describe('inference payload helpers', () => {
  it('keeps small payloads untouched, the very same object', () => {
    const small = { instances: [[1, 2, 3]] };
    expect(capRaw(small)).toBe(small);
  });

  it('summarises large arrays and strings but keeps small fields beside them', () => {
    const payload = {
      id: 'req-1',
      image: 'A'.repeat(10_000),
      inputs: [{ name: 'x', shape: [300, 10], datatype: 'FP32', data: Array(3000).fill(0.5) }],
    };
    const capped = capRaw(payload) as Record<string, any>;
    expect(capped.id).toBe('req-1');
    expect(capped.image).toMatchObject({ cordon_truncated: 'string', length: 10_000 });
    expect(capped.inputs[0]).toMatchObject({ name: 'x', shape: [300, 10], datatype: 'FP32' });
    expect(capped.inputs[0].data).toMatchObject({
      cordon_truncated: 'array',
      length: 3000,
      shape: [3000],
    });
    expect(JSON.stringify(capped).length).toBeLessThan(1000);
  });

  it('gives a shape only for rectangular arrays', () => {
    expect(
      arrayShape([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    ).toEqual([3, 2]);
    expect(arrayShape([[1, 2], [3]])).toBeUndefined();
    expect(arrayShape([{ a: 1 }])).toBeUndefined();
    expect(arrayShape([])).toEqual([0]);
  });

  it('counts instances in V1, V2 and Seldon payloads', () => {
    expect(summarisePayload({ instances: [[1], [2]] })).toMatchObject({ protocol: 'v1', count: 2 });
    expect(summarisePayload({ inputs: { a: [1, 2, 3] } })).toMatchObject({
      protocol: 'v1',
      count: 3,
    });
    expect(
      summarisePayload({ outputs: [{ name: 'o', shape: ['4', 1], datatype: 'FP32', data: [] }] }),
    ).toMatchObject({ protocol: 'v2', count: 4 });
    expect(summarisePayload({ data: { ndarray: [[1], [2]] } })).toMatchObject({
      protocol: 'seldon',
      count: 2,
    });
    expect(summarisePayload({ strData: 'hello' })).toMatchObject({ protocol: 'seldon', count: 1 });
    expect(summarisePayload('text')).toEqual({ protocol: 'unknown' });
    expect(summarisePayload({ error: { message: 'boom' } })).toEqual({
      protocol: 'unknown',
      error: 'boom',
    });
  });

  it('turns header names into snake_case label keys that cannot pose as reserved ones', () => {
    expect(snakeKey('X-Request-ID')).toBe('x_request_id');
    expect(snakeKey('__proto__')).toBe('proto');
    expect(snakeKey('cordon.time_missing')).toBe('cordon_time_missing');
    expect(snakeKey('---')).toBe('unnamed');
  });
});
