import { describe, expect, it } from 'vitest';
import { SIEM_KINDS } from '../../../../../src/ingest/sources/kinds/siem.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';

describe('siem source kinds: registration', () => {
  it('registers each kind under its connector type, with a title, auth and content types', () => {
    expect(SIEM_KINDS.map((k) => k.type)).toEqual([
      'grafana',
      'elastic-alert',
      'kibana',
      'sentinel',
      'splunk-hec',
    ]);
    for (const kind of SIEM_KINDS) {
      expect(getSourceKind(kind.type)).toBe(kind);
      expect(kind.category).toBe('siem');
      expect(kind.title.length).toBeGreaterThan(10);
      expect(kind.auth.length).toBeGreaterThan(0);
      expect(kind.contentTypes.length).toBeGreaterThan(0);
      // Only HEC takes options (sourcetype → reader); the others refuse a connector's options.
      if (kind.type === 'splunk-hec') expect(kind.options?.keys).toEqual(['sourcetypes']);
      else expect(kind.options).toBeUndefined();
    }
    expect(getSourceKind('splunk-hec')?.auth).toEqual(['splunk']);
  });
});
