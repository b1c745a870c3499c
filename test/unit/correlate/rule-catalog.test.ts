import { describe, expect, it } from 'vitest';
import { documentAt } from '../../../src/correlate/rule-catalog.js';

describe('documentAt', () => {
  const text = [
    '# header',
    'title: a',
    'name: a',
    '---',
    'title: b',
    'name: b',
    '',
    '...',
    'x: 1',
  ].join('\n');
  it('cuts the YAML document holding a line, between document markers', () => {
    expect(documentAt(text, 2)).toBe('# header\ntitle: a\nname: a');
    expect(documentAt(text, 5)).toBe('title: b\nname: b');
    expect(documentAt(text, 9)).toBe('x: 1');
  });
});
