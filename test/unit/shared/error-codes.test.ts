import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/shared/error-codes.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

describe('error codes', () => {
  it('every code used in src/ is in the table, and every code in the table is used', () => {
    const text = sources(join(REPO_ROOT, 'src')).join('\n');
    const used = new Set(text.match(/CORDON_(?:ERR|WARN)_[A-Z_]+/g));
    const table = Object.keys(ERROR_CODES);
    expect([...used].filter((c) => !table.includes(c) && !c.endsWith('_'))).toEqual([]);
    const usedOutsideTable = text.replace(/export const ERROR_CODES[\s\S]*?} as const/, '');
    expect(table.filter((c) => !usedOutsideTable.includes(c))).toEqual([]);
  });

  it('is documented in the README', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(Object.keys(ERROR_CODES).filter((c) => !readme.includes(c))).toEqual([]);
  });
});
