import { describe, expect, it } from 'vitest';
import { coalesce, compareCursors, type Change } from '../../../src/store/change-feed.js';
import { projectTo, sseComment, sseMessage } from '../../../src/api/stream/sse.js';

const c = (cursor: string, kind: Change['kind'], id: string): Change => ({ cursor, kind, id });

describe('change feed cursors', () => {
  it('orders stream ids numerically, not as text', () => {
    expect(compareCursors('9-0', '10-0')).toBeLessThan(0);
    expect(compareCursors('10-2', '10-10')).toBeLessThan(0);
    expect(compareCursors('10-10', '10-10')).toBe(0);
    expect(compareCursors('11-0', '10-99')).toBeGreaterThan(0);
  });

  it('keeps the last change of each object, in the order of those last changes', () => {
    const batch = [
      c('1-0', 'incident', 'a'),
      c('2-0', 'run', 'r'),
      c('3-0', 'incident', 'a'),
      c('4-0', 'approval', 'a'),
    ];
    expect(coalesce(batch)).toEqual([
      c('2-0', 'run', 'r'),
      c('3-0', 'incident', 'a'),
      c('4-0', 'approval', 'a'),
    ]);
  });
});

describe('server-sent events framing', () => {
  it('writes id, event and one data line per message, and comments without newlines', () => {
    expect(sseMessage({ id: '5-1', event: 'run', data: { text: 'a\nb' } })).toBe(
      'id: 5-1\nevent: run\ndata: {"text":"a\\nb"}\n\n',
    );
    expect(sseComment('ping\nx')).toBe(': ping x\n\n');
  });

  it('projects an object onto the properties its list schema declares', () => {
    const schema = { properties: { id: {}, status: {} } };
    expect(projectTo(schema, { id: 'r', status: 's', version: 3, gone: undefined })).toEqual({
      id: 'r',
      status: 's',
    });
  });
});
