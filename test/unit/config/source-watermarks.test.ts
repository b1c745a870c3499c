/**
 * What `cordon replay` and `cordon eval` read of connectors/ (config/source-watermarks.ts):
 * each source's watermark, as the full validation reads it, without loading the connector
 * modules; the engine then judges lateness per source exactly as live correlation would.
 */
import { describe, expect, it } from 'vitest';
import { buildConnectorSet } from '../../../src/config/connectors.js';
import { readSourceWatermarks } from '../../../src/config/source-watermarks.js';
import { engineOptions } from '../../../src/correlate/engine-options.js';
import { loadConfig } from '../../../src/config/load-config.js';

const FILES = [
  {
    file: 'connectors/gateway.yaml',
    text: 'apiVersion: cordon/v1\nname: gateway\ntype: generic\nwatermark: { out_of_orderness: 2m, idle: 30s }\n',
  },
  {
    file: 'connectors/more.yaml',
    text: [
      'name: okta\ntype: okta\nwatermark:\n  idle: 10m',
      'name: quiet\ntype: generic',
      'name: cases\ntype: builtin-cases',
    ].join('\n---\n'),
  },
];

describe('source watermarks read apart from the connectors', () => {
  it('gives the engine the timing the full validation gives it', () => {
    const full = buildConnectorSet(FILES);
    expect(full.diagnostics).toEqual([]);
    const light = readSourceWatermarks(FILES);
    expect(light.diagnostics).toEqual([]);
    expect(light.connectors).toEqual([
      { name: 'gateway', kind: 'source', watermark: { outOfOrdernessMs: 120_000, idleMs: 30_000 } },
      { name: 'okta', kind: 'source', watermark: { idleMs: 600_000 } },
    ]);
    const { correlate } = loadConfig({});
    expect(engineOptions(correlate, light.connectors)).toEqual(
      // Sources without a watermark of their own take the defaults, which the engine applies
      // to any source it has no entry for.
      engineOptions(
        correlate,
        full.connectors.filter((c) => c.kind !== 'source' || Object.keys(c.watermark).length > 0),
      ),
    );
  });

  it('reports a bad watermark at its place, as the full validation does', () => {
    const bad = [
      { file: 'connectors/x.yaml', text: 'name: x\ntype: generic\nwatermark: { idle: 9d }\n' },
    ];
    const light = readSourceWatermarks(bad);
    expect(light.diagnostics).toEqual(buildConnectorSet(bad).diagnostics);
    expect(light.diagnostics[0]).toMatchObject({ line: 3, code: 'CORDON_ERR_DEFINITION_VALUE' });
    expect(light.diagnostics[0]?.message).toMatch(
      /watermark\.idle must be a duration of at most 7d/,
    );
  });

  it('reports a file that is not YAML', () => {
    const light = readSourceWatermarks([{ file: 'connectors/y.yaml', text: 'name: [\n' }]);
    expect(light.diagnostics).toHaveLength(1);
    expect(light.diagnostics[0]).toMatchObject({ file: 'connectors/y.yaml', severity: 'error' });
  });
});
