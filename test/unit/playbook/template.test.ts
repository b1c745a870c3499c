import { describe, expect, it } from 'vitest';
import {
  collectTemplates,
  parseTemplate,
  renderValue,
  type RenderResult,
} from '../../../src/playbook/template.js';

const SCOPE = {
  incident: {
    id: 'inc-1',
    title: 'Extraction by k-1',
    eventCount: 412,
    tags: ['atlas.AML.T0024', 'attack.t1530'],
    group: { api_key: 'k-1', 'model-name': 'llama' },
    zero: 0,
    no: false,
    empty: '',
    nothing: null,
  },
  steps: {
    throttle: {
      status: 'succeeded',
      result: { expiresAt: 1_700_000_000_000, rules: [{ id: 'r1' }] },
    },
  },
  run: { id: 'run-1' },
} as const;

function value(r: RenderResult): unknown {
  if (!r.ok) throw new Error(`expected a value, got: ${r.reason}`);
  return r.value;
}

function reason(r: { ok: true } | { ok: false; reason: string }): string {
  if (r.ok) throw new Error('expected a failure');
  return r.reason;
}

describe('parseTemplate', () => {
  it('splits text and dotted paths', () => {
    expect(parseTemplate('Key {{ incident.group.api_key }} sent {{incident.eventCount}}!')).toEqual(
      {
        ok: true,
        parts: [
          'Key ',
          { source: 'incident.group.api_key', path: ['incident', 'group', 'api_key'] },
          ' sent ',
          { source: 'incident.eventCount', path: ['incident', 'eventCount'] },
          '!',
        ],
      },
    );
  });

  it('reads bracket indices as numbers', () => {
    expect(parseTemplate('{{ steps.throttle.result.rules[0].id }}')).toEqual({
      ok: true,
      parts: [
        {
          source: 'steps.throttle.result.rules[0].id',
          path: ['steps', 'throttle', 'result', 'rules', 0, 'id'],
        },
      ],
    });
  });

  it('keeps plain text as one part and the empty string as none', () => {
    expect(parseTemplate('no templates here')).toEqual({ ok: true, parts: ['no templates here'] });
    expect(parseTemplate('')).toEqual({ ok: true, parts: [] });
  });

  it('accepts "-" and "_" inside names', () => {
    expect(parseTemplate('{{ incident.group.model-name }}')).toMatchObject({
      ok: true,
      parts: [{ path: ['incident', 'group', 'model-name'] }],
    });
  });

  it.each([
    ['{{ a + b }}', '"{{ a + b }}" is not a path'],
    ['{{ incident.eventCount * 2 }}', 'is not a path'],
    ['{{ incident.title | upper }}', 'is not a path'],
    ['{{ fn() }}', 'is not a path'],
    ['{{ }}', '"{{  }}" is not a path'],
    ['{{ a..b }}', 'is not a path'],
    ['{{ a.0 }}', 'is not a path'],
    ['{{ a[-1] }}', 'is not a path'],
    ['{{ a["b"] }}', 'is not a path'],
    ['{{ 1abc }}', 'is not a path'],
  ])('rejects the expression %s', (text, why) => {
    const r = reason(parseTemplate(text));
    expect(r).toContain(why);
    expect(r).toContain('(no expressions)');
  });

  it('rejects "}}" without "{{"', () => {
    expect(reason(parseTemplate('done }} now'))).toBe(
      '"}}" without a matching "{{" in "done }} now"',
    );
    expect(reason(parseTemplate('{{ a }} and }}'))).toBe(
      '"}}" without a matching "{{" in "{{ a }} and }}"',
    );
  });

  it('rejects an unclosed "{{"', () => {
    expect(reason(parseTemplate('{{ incident.group.api_key'))).toBe(
      '"{{" is never closed in "{{ incident.group.api_key"; add "}}"',
    );
    expect(reason(parseTemplate('{{ a }} then {{ b'))).toContain('is never closed');
  });
});

describe('renderValue', () => {
  it('keeps the type of a whole-string template: number', () => {
    expect(value(renderValue('{{ incident.eventCount }}', SCOPE))).toBe(412);
  });

  it('keeps the type of a whole-string template: object and array', () => {
    expect(value(renderValue('{{ incident.group }}', SCOPE))).toEqual({
      api_key: 'k-1',
      'model-name': 'llama',
    });
    expect(value(renderValue('{{ incident.tags }}', SCOPE))).toEqual([
      'atlas.AML.T0024',
      'attack.t1530',
    ]);
  });

  it('keeps falsy values that exist (0, false, "")', () => {
    expect(value(renderValue('{{ incident.zero }}', SCOPE))).toBe(0);
    expect(value(renderValue('{{ incident.no }}', SCOPE))).toBe(false);
    expect(value(renderValue('{{ incident.empty }}', SCOPE))).toBe('');
  });

  it('stringifies values interpolated into text (objects as JSON)', () => {
    expect(value(renderValue('{{ incident.eventCount }} requests', SCOPE))).toBe('412 requests');
    expect(value(renderValue('tags={{ incident.tags }}', SCOPE))).toBe(
      'tags=["atlas.AML.T0024","attack.t1530"]',
    );
    expect(value(renderValue('{{ incident.id }}/{{ run.id }}', SCOPE))).toBe('inc-1/run-1');
  });

  it('treats surrounding spaces as text, so the result is a string', () => {
    expect(value(renderValue(' {{ incident.eventCount }}', SCOPE))).toBe(' 412');
  });

  it('indexes arrays with brackets', () => {
    expect(value(renderValue('{{ incident.tags[1] }}', SCOPE))).toBe('attack.t1530');
    expect(value(renderValue('{{ steps.throttle.result.rules[0].id }}', SCOPE))).toBe('r1');
  });

  it('reports a missing path, naming it', () => {
    expect(reason(renderValue('Key {{ incident.group.user }}', SCOPE))).toBe(
      '{{ incident.group.user }} has no value in this run',
    );
  });

  it('treats null as missing', () => {
    expect(reason(renderValue('{{ incident.nothing }}', SCOPE))).toContain(
      '{{ incident.nothing }} has no value',
    );
  });

  it('reports an index past the end and an index into a non-list as missing', () => {
    expect(reason(renderValue('{{ incident.tags[5] }}', SCOPE))).toContain(
      '{{ incident.tags[5] }}',
    );
    expect(reason(renderValue('{{ incident.title[0] }}', SCOPE))).toContain(
      '{{ incident.title[0] }}',
    );
    expect(reason(renderValue('{{ incident.title.length }}', SCOPE))).toContain(
      '{{ incident.title.length }}',
    );
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'does not read the prototype key incident.%s',
    (key) => {
      expect(reason(renderValue(`{{ incident.${key} }}`, SCOPE))).toBe(
        `{{ incident.${key} }} has no value in this run`,
      );
    },
  );

  it('does not reach Object.prototype through a nested path', () => {
    expect(renderValue('{{ incident.constructor.name }}', SCOPE).ok).toBe(false);
    expect(renderValue('{{ constructor }}', SCOPE).ok).toBe(false);
  });

  it('renders nested objects and arrays recursively, leaving non-strings alone', () => {
    const input = {
      key: '{{ incident.group.api_key }}',
      count: '{{ incident.eventCount }}',
      literal: 7,
      flag: true,
      nil: null,
      nested: {
        list: ['{{ incident.id }}', 'x-{{ run.id }}', 3, { deep: '{{ incident.tags[0] }}' }],
      },
    };
    expect(value(renderValue(input, SCOPE))).toEqual({
      key: 'k-1',
      count: 412,
      literal: 7,
      flag: true,
      nil: null,
      nested: { list: ['inc-1', 'x-run-1', 3, { deep: 'atlas.AML.T0024' }] },
    });
  });

  it('does not modify its input', () => {
    const input = { a: ['{{ incident.id }}'] };
    renderValue(input, SCOPE);
    expect(input).toEqual({ a: ['{{ incident.id }}'] });
  });

  it('fails the whole value on the first missing path inside a nested structure', () => {
    expect(reason(renderValue({ a: 'ok', b: ['{{ incident.nope }}'] }, SCOPE))).toBe(
      '{{ incident.nope }} has no value in this run',
    );
  });

  it('passes parse errors through', () => {
    expect(reason(renderValue({ a: '{{ a + b }}' }, SCOPE))).toContain('is not a path');
  });

  it('does not evaluate anything: a value that looks like a template is output as data', () => {
    const scope = { incident: { title: '{{ run.id }}' }, run: { id: 'secret' } };
    expect(value(renderValue('Title: {{ incident.title }}', scope))).toBe('Title: {{ run.id }}');
  });
});

describe('collectTemplates', () => {
  it('finds templated strings (and stray "}}") with their paths, skipping plain values', () => {
    expect(
      collectTemplates({ a: 'plain', b: '{{ x }}', c: [1, 'y }}', { d: 'z {{ w }}' }], e: 5 }, [
        'with',
      ]),
    ).toEqual([
      { at: ['with', 'b'], text: '{{ x }}' },
      { at: ['with', 'c', 1], text: 'y }}' },
      { at: ['with', 'c', 2, 'd'], text: 'z {{ w }}' },
    ]);
  });
});
