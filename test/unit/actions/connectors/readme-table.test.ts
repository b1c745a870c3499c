import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_TYPES } from '../../../../src/actions/connectors/registry.js';
import { REPO_ROOT } from '../../../helpers/cordon.js';

describe('README operation table', () => {
  it('has a row for every operation of every connector type: its inputs, idempotency and undo as the code declares them', () => {
    const lines = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
    const wrong = CONNECTOR_TYPES.flatMap((t) =>
      Object.entries(t.operations).flatMap(([name, op]) => {
        const inputs = Object.entries(op.contract.inputs)
          .map(([k, s]) => `\`${k}\`${s.required ? '' : '?'}`)
          .join(', ');
        const undo = op.contract.reversibleBy
          ? `\`${op.contract.reversibleBy}\`: ${op.undoes ?? ''}`
          : '—';
        const row = `| \`${name}\` | \`${t.type}\` | ${inputs} | ${op.idempotency} | ${undo} |`;
        const found = lines.find((l) => l.startsWith(`| \`${name}\` | \`${t.type}\` |`));
        return found === row ? [] : [{ expected: row, readme: found ?? '(no row)' }];
      }),
    );
    expect(wrong).toEqual([]);
  });
});
