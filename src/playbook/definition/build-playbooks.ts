import type { Diagnostic } from '../../shared/diagnostics.js';
import { hasErrors } from '../../shared/diagnostics.js';
import { DiagnosticSink, loadYaml } from '../../shared/yaml.js';
import type { YamlSource } from '../../shared/yaml-files.js';
import type { CallablePlaybook } from '../kinds/call/call-definition.js';
import { callableIndex } from '../kinds/call/callable-index.js';
import { compilePlaybook, type CompiledPlaybook } from './compile-playbook.js';
import type { PlaybookContext } from './types.js';
import { validatePlaybook } from './validate-playbook.js';

type Loaded = { readonly source: YamlSource } & ReturnType<typeof loadYaml>;

/**
 * load → validate (all files, all problems) → compile. Returns the compiled playbooks only when
 * there is no error anywhere, so a half-valid set never runs. Calls may name a playbook of any
 * file: every document is read before any is validated (unless ctx.playbooks says who exists).
 */
export function buildPlaybooks(
  sources: readonly YamlSource[],
  ctx: PlaybookContext,
): { playbooks: CompiledPlaybook[] | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const compiled: CompiledPlaybook[] = [];
  const ids = new Map<string, string>();
  const loaded = sources.map((source) => ({ source, ...loadYaml(source.text, source.file) }));
  const withPlaybooks: PlaybookContext = { ...ctx, playbooks: ctx.playbooks ?? indexOf(loaded) };
  for (const { source, diagnostics: yamlDiagnostics, documents } of loaded) {
    diagnostics.push(...yamlDiagnostics);
    for (const doc of documents) {
      const sink = new DiagnosticSink(source.file, doc.positions);
      const def = validatePlaybook(doc.value, sink, withPlaybooks);
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

/**
 * The playbooks of `sources` as call states see them (ids, declared inputs, calls): for
 * validating one playbook file against the rest of an installation (ctx.playbooks).
 */
export function callablePlaybooks(sources: readonly YamlSource[]): Map<string, CallablePlaybook> {
  return indexOf(sources.map((source) => ({ source, ...loadYaml(source.text, source.file) })));
}

function indexOf(loaded: readonly Loaded[]): Map<string, CallablePlaybook> {
  return callableIndex(
    loaded.flatMap(({ source, documents }) =>
      documents.map((doc) => ({
        value: doc.value,
        at: `${source.file}:${doc.positions.get([]).line}`,
      })),
    ),
  );
}
