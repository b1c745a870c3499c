import type { Diagnostic } from '../../shared/diagnostics.js';
import { hasErrors } from '../../shared/diagnostics.js';
import { DiagnosticSink, loadYaml } from '../../shared/yaml.js';
import type { YamlSource } from '../../shared/yaml-files.js';
import { compilePlaybook, type CompiledPlaybook } from './compile-playbook.js';
import type { PlaybookContext } from './types.js';
import { validatePlaybook } from './validate-playbook.js';

/**
 * load → validate (all files, all problems) → compile. Returns the compiled playbooks only when
 * there is no error anywhere, so a half-valid set never runs.
 */
export function buildPlaybooks(
  sources: readonly YamlSource[],
  ctx: PlaybookContext,
): { playbooks: CompiledPlaybook[] | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const compiled: CompiledPlaybook[] = [];
  const ids = new Map<string, string>();
  for (const source of sources) {
    const loaded = loadYaml(source.text, source.file);
    diagnostics.push(...loaded.diagnostics);
    for (const doc of loaded.documents) {
      const sink = new DiagnosticSink(source.file, doc.positions);
      const def = validatePlaybook(doc.value, sink, ctx);
      if (def) {
        const at = `${source.file}:${doc.positions.get([]).line}`;
        const prior = ids.get(def.id);
        if (prior) {
          sink.error(
            ['id'],
            'CORDON_ERR_DEFINITION_DUPLICATE',
            `Playbook id "${def.id}" is also used at ${prior}. Ids must be unique; rename one.`,
          );
        } else {
          ids.set(def.id, at);
          compiled.push(compilePlaybook(def));
        }
      }
      diagnostics.push(...sink.diagnostics);
    }
  }
  return { playbooks: hasErrors(diagnostics) ? undefined : compiled, diagnostics };
}
