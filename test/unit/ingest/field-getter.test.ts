import { describe, expect, it } from 'vitest';
import { compileFieldGetter, getEventField } from '../../../src/ingest/canonical-event.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';

const event = {
  kind: 'alert',
  entity: { api_key: 'k1', geo: { region: 'eu-west' } },
  labels: { 'splunk.sid': 'sid-7', team: 'ml', 'annotation.summary': 'p99 high' },
  measures: { 'gpu.util': 0.93, latency_ms: 42 },
};

describe('canonical field paths', () => {
  it('reads nested entity fields', () => {
    expect(getEventField(event, 'entity.geo.region')).toBe('eu-west');
    expect(getEventField(event, 'entity.api_key')).toBe('k1');
  });

  it('reads label and measure names that contain dots', () => {
    expect(getEventField(event, 'labels.splunk.sid')).toBe('sid-7');
    expect(getEventField(event, 'labels.annotation.summary')).toBe('p99 high');
    expect(getEventField(event, 'measures.gpu.util')).toBe(0.93);
    expect(getEventField(event, 'labels.team')).toBe('ml');
  });

  it('never reads inherited properties', () => {
    expect(getEventField(event, 'labels.constructor')).toBeUndefined();
    expect(getEventField(event, 'entity.toString')).toBeUndefined();
    expect(compileFieldGetter('entity.geo.city')(event)).toBeUndefined();
    expect(compileFieldGetter('entity.geo.region')(null)).toBeUndefined();
    // Arrays in data: their methods are not fields; their own entries and length are.
    const withList = { raw: { tags: ['a', 'b'] } };
    expect(getEventField(withList, 'raw.tags.map')).toBeUndefined();
    expect(getEventField(withList, 'raw.tags.push')).toBeUndefined();
    expect(getEventField(withList, 'raw.tags.1')).toBe('b');
    expect(getEventField(withList, 'raw.tags.length')).toBe(2);
    expect(getEventField({ raw: { __proto__: 'x' } }, 'raw.__proto__')).toBeUndefined();
    expect(getEventField(JSON.parse('{"raw":{"__proto__":"x"}}'), 'raw.__proto__')).toBe('x');
  });

  it('lets a Sigma rule match a dotted label name', () => {
    const { ruleSet, diagnostics } = buildRuleSet([
      {
        file: 'r.yaml',
        text: 'title: t\nname: by_sid\ndetection:\n  sel:\n    labels.splunk.sid: sid-7\n  condition: sel\n',
      },
    ]);
    expect(diagnostics).toEqual([]);
    expect(ruleSet?.detections.get('by_sid')?.matches(event as never)).toBe(true);
  });
});
