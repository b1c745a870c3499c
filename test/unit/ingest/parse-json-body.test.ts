import { describe, expect, it } from 'vitest';
import { Findings } from '../../../src/ingest/normalizers/findings.js';
import { findJsonSyntaxError } from '../../../src/ingest/normalizers/json-syntax.js';
import {
  lineAndColumn,
  parseJsonBody,
  parseNdjsonBody,
} from '../../../src/ingest/normalizers/parse-json-body.js';
import type { FieldError } from '../../../src/ingest/normalizers/types.js';

const OPTIONS = { expected: 'a test body', trailingContentHint: 'Send an array.' };

function jsonErrors(text: string | Buffer): FieldError[] {
  const findings = new Findings();
  const parsed = parseJsonBody(
    typeof text === 'string' ? Buffer.from(text) : text,
    findings.root(),
    OPTIONS,
  );
  expect(parsed.ok).toBe(false);
  const result = findings.result([]);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

function onlyReason(text: string | Buffer): string {
  const errors = jsonErrors(text);
  expect(errors).toHaveLength(1);
  expect(errors[0]?.path).toBe('');
  return errors[0]?.reason ?? '';
}

describe('parseJsonBody', () => {
  it('parses a JSON value and strips a UTF-8 BOM', () => {
    const findings = new Findings();
    expect(parseJsonBody(Buffer.from('\uFEFF{"a":1}'), findings.root(), OPTIONS)).toEqual({
      ok: true,
      value: { a: 1 },
    });
    expect(findings.failed).toBe(false);
  });

  it('reports an empty body', () => {
    expect(onlyReason('')).toBe('the body is empty; send a test body.');
    expect(onlyReason(' \n\t ')).toContain('the body is empty');
  });

  it('gives line and column of a syntax error on a later line', () => {
    const reason = onlyReason('{\n  "a": 1,\n  "b": }\n');
    expect(reason).toContain('line 3, column 8');
    expect(reason).toContain('"}" where a value was expected');
    expect(reason).toContain('Fix the JSON syntax');
  });

  it('takes the position from V8 where its message has one', () => {
    const reason = onlyReason('{"a":1 "b":2}');
    expect(reason).toContain('line 1, column 8');
    expect(reason).toContain('a missing comma?');
  });

  it('recognises a truncated body', () => {
    const reason = onlyReason('{"result": {"user": "svc-batch-sc');
    expect(reason).toContain('the body ends inside a string');
    expect(reason).toContain('line 1, column 34');
    expect(reason).toContain('looks truncated');
    expect(onlyReason('{"a": [1, 2')).toContain('the body ends inside an array');
    expect(onlyReason('{"a": tr')).toContain('the body ends inside the literal true');
  });

  it('explains NaN, trailing commas, single quotes and unquoted keys', () => {
    expect(onlyReason('{"drift": NaN}')).toContain('NaN, which JSON cannot represent');
    expect(onlyReason('{"drift": -Infinity}')).toContain('-Infinity, which JSON cannot represent');
    expect(onlyReason('[1, 2,]')).toContain("trailing comma before ']'");
    expect(onlyReason('{"a": 1,}')).toContain("trailing comma before '}'");
    expect(onlyReason("{'a': 1}")).toContain('single-quoted property name');
    expect(onlyReason('{a: 1}')).toContain('double-quoted property name');
    expect(onlyReason('{"a": 01}')).toContain('invalid number "01"');
    expect(onlyReason('{"a": "x\ny"}')).toContain('raw control character (U+000A)');
  });

  it('hints at concatenated documents', () => {
    const reason = onlyReason('{"a":1}\n{"a":2}');
    expect(reason).toContain('more content ("{") after the end of the JSON value');
    expect(reason).toContain('line 2, column 1');
    expect(reason).toContain('Send an array.');
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(onlyReason(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toContain('not valid UTF-8');
  });

  it('quotes a short excerpt around the error', () => {
    const reason = onlyReason(`{"padding": "${'p'.repeat(100)}", "bad": }`);
    expect(reason).toContain('(near "…pppppppppp\\", \\"bad\\": }")');
  });
});

describe('findJsonSyntaxError', () => {
  const broken = [
    '{"a":1',
    '{"a":}',
    '[1,2,]',
    '{"a" 1}',
    '{"a":1}x',
    '{"a":"\\q"}',
    '{"a":"\\u12"}',
    '[1 2]',
    '{"a":[}',
    '"abc',
    'nul',
    '-',
    '[1.]',
    '{"a":1e}',
    '[-]',
    '[-a]',
    '[1.e5]',
    '[1e+]',
    '[12abc]',
    '[1.5.2]',
    '["\\x"]',
    '{"a": 01}',
    '[1,2',
    '{"a":1,"b":',
  ];

  it.each(broken)('agrees with JSON.parse that %s is invalid, and V8 positions match', (text) => {
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    const found = findJsonSyntaxError(text);
    expect(found).toBeDefined();
    let message = '';
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }
    const v8 = /at position (\d+)/.exec(message)?.[1];
    if (v8 !== undefined) expect(found?.position).toBe(Number(v8));
  });

  it.each(['{}', '[]', '{"a":[1,-2.5e3,true,false,null,{"b":"\\u00e9\\n"}]}', ' 1 ', '"x"'])(
    'accepts valid JSON %s',
    (text) => {
      expect(findJsonSyntaxError(text)).toBeUndefined();
    },
  );

  it('survives deep nesting without a stack overflow', () => {
    expect(findJsonSyntaxError('['.repeat(200_000))?.truncated).toBe(true);
  });
});

describe('parseNdjsonBody', () => {
  function ndjson(text: string): { lines?: unknown[]; errors?: FieldError[] } {
    const findings = new Findings();
    const parsed = parseNdjsonBody(Buffer.from(text), findings.root(), OPTIONS);
    const result = findings.result([]);
    if (parsed.ok) return { lines: parsed.value.map((l) => [l.lineIndex, l.value]) };
    return { errors: result.ok ? [] : result.errors };
  }

  it('keeps physical line indexes and skips blank lines and CRLF endings', () => {
    expect(ndjson('{"a":1}\r\n\r\n  \n{"a":2}\n')).toEqual({
      lines: [
        [0, { a: 1 }],
        [3, { a: 2 }],
      ],
    });
  });

  it('reports every bad line by index with its line number, and a cut last line', () => {
    const { errors } = ndjson('{"a":1}\n{"a":,}\n{"a":3}\n{"a":"tru');
    expect(errors?.map((e) => e.path)).toEqual(['/1', '/3']);
    expect(errors?.[0]?.reason).toContain('line 2: is not valid JSON');
    expect(errors?.[0]?.reason).toContain('at column 6');
    expect(errors?.[1]?.reason).toContain('line 4: is not valid JSON');
    expect(errors?.[1]?.reason).toContain('the body looks cut off');
  });

  it('recognises a pretty-printed document sent as NDJSON', () => {
    const { errors } = ndjson('{\n  "a": 1\n}\n');
    expect(errors).toEqual([
      { path: '', reason: expect.stringContaining('Content-Type application/json') as string },
    ]);
  });

  it('reports a body of blank lines as empty', () => {
    expect(ndjson('\n\n  \n').errors).toEqual([
      { path: '', reason: 'the body is empty; send a test body.' },
    ]);
  });
});

describe('lineAndColumn', () => {
  it('counts from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
