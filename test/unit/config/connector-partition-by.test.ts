/** `partition_by:` on a source connector: which entity field spreads its events over the log. */
import { describe, expect, it } from 'vitest';
import { buildConnectorSet } from '../../../src/config/connectors.js';

function build(lines: string, type = 'generic') {
  const text = `apiVersion: cordon/v1\nname: src\ntype: ${type}\n${lines}\n`;
  return buildConnectorSet([{ file: 'connectors/src.yaml', text }]);
}

describe('source connector partition_by', () => {
  it('takes an entity field, and is absent by default (the primary entity)', () => {
    const { connectors, diagnostics } = build('partition_by: entity.tenant');
    expect(diagnostics).toEqual([]);
    expect(connectors[0]?.partitionBy).toBe('tenant');
    expect(build('description: x').connectors[0]?.partitionBy).toBeUndefined();
  });

  it.each([['entity.tenants'], ['user'], ['3']])(
    'refuses %s at its place, naming the fields',
    (value) => {
      const { connectors, diagnostics } = build(`partition_by: ${value}`);
      expect(connectors).toEqual([]);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({
        file: 'connectors/src.yaml',
        line: 4,
        column: 15,
        code: 'CORDON_ERR_DEFINITION_VALUE',
      });
      expect(diagnostics[0]?.message).toMatch(/partition_by .*entity\.user, .*got/);
    },
  );
});
