/** `keep:` on a source connector, `text_ms` included: checked with file, line and column. */
import { describe, expect, it } from 'vitest';
import { buildConnectorSet } from '../../../src/config/connectors.js';

function build(keep: string) {
  const text = `apiVersion: cordon/v1\nname: llm\ntype: litellm\nkeep:\n${keep}\n`;
  return buildConnectorSet([{ file: 'connectors/llm.yaml', text }]);
}

describe('source connector keep', () => {
  it('takes text_ms as the source’s own text period', () => {
    const { connectors, diagnostics } = build('  text: redact\n  text_ms: 86400000');
    expect(diagnostics).toEqual([]);
    expect(connectors[0]?.keep).toEqual({ text: 'redact', textMs: 86_400_000 });
    expect(build('  text_ms: 0').connectors[0]?.keep).toEqual({ textMs: 0 });
  });

  it.each([['-5'], ['1.5'], ['"1d"'], ['400000000000']])(
    'refuses text_ms %s at its place, naming the fix',
    (value) => {
      const { diagnostics } = build(`  text: keep\n  text_ms: ${value}`);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({
        file: 'connectors/llm.yaml',
        line: 6,
        column: 12,
        code: 'CORDON_ERR_DEFINITION_VALUE',
      });
      expect(diagnostics[0]?.message).toMatch(/keep\.text_ms must be whole milliseconds.*86400000/);
    },
  );
});
