import { describe, expect, it } from 'vitest';
import { KSERVE_KIND } from '../../../../../src/ingest/sources/kserve/index.js';
import { OPENAI_KIND } from '../../../../../src/ingest/sources/openai/index.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import { SELDON_KIND } from '../../../../../src/ingest/sources/seldon/index.js';
import { TFSERVING_KIND } from '../../../../../src/ingest/sources/tfserving/index.js';

describe('cloudevents group registration', () => {
  it('registers each kind under its connector type and category', () => {
    expect(getSourceKind('kserve')).toBe(KSERVE_KIND);
    expect(getSourceKind('seldon')).toBe(SELDON_KIND);
    expect(getSourceKind('tfserving')).toBe(TFSERVING_KIND);
    expect(getSourceKind('openai')).toBe(OPENAI_KIND);
    expect([KSERVE_KIND, SELDON_KIND, TFSERVING_KIND].map((k) => k.category)).toEqual([
      'inference',
      'inference',
      'inference',
    ]);
    expect(OPENAI_KIND.category).toBe('llm');
  });

  it('declares lower-case media types without parameters', () => {
    for (const kind of [KSERVE_KIND, SELDON_KIND, TFSERVING_KIND, OPENAI_KIND])
      for (const type of kind.contentTypes) expect(type).toMatch(/^[a-z]+\/[a-z0-9.+-]+$/);
  });
});
