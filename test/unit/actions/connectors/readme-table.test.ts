import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_TYPES } from '../../../../src/actions/connectors/registry.js';
import { REPO_ROOT } from '../../../helpers/cordon.js';

describe('README operation table', () => {
  it('has a row for every operation of every connector type', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const missing = CONNECTOR_TYPES.flatMap((t) =>
      Object.keys(t.operations)
        .filter((op) => !readme.includes('| `' + op + '` | `' + t.type + '` |'))
        .map((op) => `${t.type} ${op}`),
    );
    expect(missing).toEqual([]);
  });
});
