import type { Diagnostic } from '../shared/diagnostics.js';
import { isMapping } from '../shared/shape.js';
import { DiagnosticSink, loadYaml } from '../shared/yaml.js';
import type { YamlSource } from '../shared/yaml-files.js';
import { parseWatermark, type Watermark } from './connector-watermark.js';

/** What the rules engine reads of a connector (engine-options.ts): a source's watermark. */
export interface SourceWatermark {
  readonly name: string;
  readonly kind: 'source';
  readonly watermark: Watermark;
}

/**
 * The watermark of each connector in `sources` that sets one, read without validating the
 * rest of its file: all an offline run of the rules (`cordon replay`, `cordon eval`) takes from
 * connectors/. A full validation loads every source kind and action connector module, about
 * 0.3 s: a tenth of replaying a million events. `cordon validate` and `cordon start` check the
 * whole file. Only a source may set a watermark, so whatever sets one is taken as a source
 * (an action connector that does is refused by those, and no event comes from it).
 */
export function readSourceWatermarks(sources: readonly YamlSource[]): {
  connectors: SourceWatermark[];
  diagnostics: Diagnostic[];
} {
  const connectors: SourceWatermark[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of sources) {
    const loaded = loadYaml(source.text, source.file);
    diagnostics.push(...loaded.diagnostics);
    for (const doc of loaded.documents) {
      const value = doc.value;
      if (!isMapping(value) || typeof value.name !== 'string') continue;
      if (value.watermark === undefined || value.watermark === null) continue;
      const sink = new DiagnosticSink(source.file, doc.positions);
      const watermark = parseWatermark(value.watermark, 'source', sink);
      diagnostics.push(...sink.diagnostics);
      connectors.push({ name: value.name, kind: 'source', watermark });
    }
  }
  return { connectors, diagnostics };
}
