import { describe, expect, it } from 'vitest';
import {
  checkKeys,
  expectMapping,
  expectString,
  expectStringList,
  isMapping,
  suggest,
} from '../../../src/shared/shape.js';
import { DiagnosticSink, loadYaml } from '../../../src/shared/yaml.js';

const SOURCE = ['name: x', 'retries: 3', 'nested:', '  a: 1'].join('\n');

function sink(): DiagnosticSink {
  const doc = loadYaml(SOURCE, 's.yaml').documents[0]!;
  return new DiagnosticSink('s.yaml', doc.positions);
}

describe('suggest', () => {
  it('returns the closest candidate within the typo distance', () => {
    expect(suggest('titel', ['title', 'description'])).toBe('title');
    expect(suggest('ratelimit.sett', ['ratelimit.set', 'ratelimit.clear', 'ticket.open'])).toBe(
      'ratelimit.set',
    );
  });

  it('ignores case, and returns the candidate as written', () => {
    expect(suggest('APIKEY', ['api_key'])).toBe('api_key');
    expect(suggest('Title', ['title'])).toBe('title');
  });

  it('allows distance 2 for short names and a third of the length for long ones', () => {
    expect(suggest('ab', ['xy'])).toBe('xy');
    expect(suggest('abc', ['xyz'])).toBeUndefined();
    expect(suggest('model_extraction_by_query_volume', ['model_extraction_by_qry_vol'])).toBe(
      'model_extraction_by_qry_vol',
    );
    expect(suggest('retries', ['retry'])).toBeUndefined();
  });

  it('returns nothing when nothing is close or there are no candidates', () => {
    expect(suggest('quorum', ['approved', 'rejected'])).toBeUndefined();
    expect(suggest('x', [])).toBeUndefined();
  });

  it('keeps the first of equally close candidates', () => {
    expect(suggest('cat', ['bat', 'hat'])).toBe('bat');
    expect(suggest('cat', ['hat', 'bat'])).toBe('hat');
  });

  it('prefers an exact match', () => {
    expect(suggest('next', ['nest', 'next'])).toBe('next');
  });
});

describe('isMapping', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [[], false],
    [null, false],
    ['x', false],
    [1, false],
    [undefined, false],
  ])('%j → %s', (value, expected) => {
    expect(isMapping(value)).toBe(expected);
  });
});

describe('expectMapping', () => {
  it('accepts a mapping without a diagnostic', () => {
    const s = sink();
    expect(expectMapping(s, ['nested'], { a: 1 }, 'Nested')).toBe(true);
    expect(s.diagnostics).toEqual([]);
  });

  it('reports anything else at the value', () => {
    const s = sink();
    expect(expectMapping(s, ['retries'], 3, 'Retries')).toBe(false);
    expect(s.diagnostics).toEqual([
      {
        code: 'CORDON_ERR_YAML_NOT_MAPPING',
        severity: 'error',
        message: 'Retries must be a mapping; got 3.',
        file: 's.yaml',
        line: 2,
        column: 10,
        path: 'retries',
      },
    ]);
  });
});

describe('checkKeys', () => {
  it('reports each missing required key at the mapping, null counting as missing', () => {
    const s = sink();
    checkKeys(s, [], { name: 'x', id: null }, 'Thing', { required: ['name', 'id', 'start'] });
    expect(s.diagnostics.map((d) => [d.code, d.message, d.line, d.column, d.path])).toEqual([
      ['CORDON_ERR_DEFINITION_REQUIRED', 'Thing is missing required key "id". Add it.', 1, 1, ''],
      [
        'CORDON_ERR_DEFINITION_REQUIRED',
        'Thing is missing required key "start". Add it.',
        1,
        1,
        '',
      ],
    ]);
  });

  it('reports an unknown key at the key, with a suggestion', () => {
    const s = sink();
    checkKeys(s, [], { name: 'x', retries: 3 }, 'Thing', {
      required: ['name'],
      optional: ['retriez'],
    });
    expect(s.diagnostics).toEqual([
      {
        code: 'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
        severity: 'error',
        message: 'Thing has unknown key "retries". Did you mean "retriez"?',
        file: 's.yaml',
        line: 2,
        column: 1,
        path: 'retries',
      },
    ]);
  });

  it('lists the known keys when nothing is close', () => {
    const s = sink();
    checkKeys(s, ['nested'], { a: 1, zzzzzz: 2 }, 'Nested', { required: ['a'], optional: ['b'] });
    expect(s.diagnostics.map((d) => d.message)).toEqual([
      'Nested has unknown key "zzzzzz". Known keys: a, b.',
    ]);
  });

  it('accepts a mapping with only known keys', () => {
    const s = sink();
    checkKeys(s, [], { a: 1 }, 'X', { optional: ['a', 'b'] });
    expect(s.diagnostics).toEqual([]);
  });
});

describe('expectString', () => {
  it('accepts a non-empty string', () => {
    const s = sink();
    expect(expectString(s, ['name'], 'x', 'Name')).toBe(true);
    expect(s.diagnostics).toEqual([]);
  });

  it.each([
    ['', '""'],
    ['   ', '"   "'],
    [3, '3'],
    [null, 'null'],
    [['a'], 'the list ["a"]'],
  ])('rejects %j', (value, described) => {
    const s = sink();
    expect(expectString(s, ['name'], value, 'Name')).toBe(false);
    expect(s.diagnostics.map((d) => [d.code, d.message, d.line])).toEqual([
      ['CORDON_ERR_DEFINITION_TYPE', `Name must be a non-empty string; got ${described}.`, 1],
    ]);
  });

  it('reports with the code it is given', () => {
    const s = sink();
    expectString(s, ['name'], 1, 'Name', 'CORDON_ERR_DEFINITION_VALUE');
    expect(s.diagnostics[0]!.code).toBe('CORDON_ERR_DEFINITION_VALUE');
  });
});

describe('expectStringList', () => {
  it('accepts a list of strings, and a single string as a list of one', () => {
    const s = sink();
    expect(expectStringList(s, ['x'], ['a', 'b'], 'X')).toEqual(['a', 'b']);
    expect(expectStringList(s, ['x'], 'a', 'X')).toEqual(['a']);
    expect(s.diagnostics).toEqual([]);
  });

  it.each([
    [[], 'an empty list'],
    [['a', ''], 'the list ["a",""]'],
    [['a', 1], 'the list ["a",1]'],
    ['', '""'],
    [{ a: 'b' }, 'a mapping'],
  ])('rejects %j', (value, described) => {
    const s = sink();
    expect(expectStringList(s, ['x'], value, 'X')).toBeUndefined();
    expect(s.diagnostics.map((d) => d.message)).toEqual([
      `X must be a non-empty list of strings; got ${described}.`,
    ]);
  });
});
