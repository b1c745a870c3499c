import { resolve } from 'node:path';
import { loadContent } from '../content.js';
import { formatDiagnostic } from '../shared/diagnostics.js';
import { contentDirProblem } from './content-dir.js';
import { pipelinesNote } from './content-summary.js';

/** `cordon validate [dir]`: checks correlations/, connectors/ and playbooks/; exit 1 on errors. */
export async function runValidate(dir = '.'): Promise<number> {
  const root = resolve(dir);
  const problem = await contentDirProblem(root);
  if (problem) {
    console.error(
      `cordon validate: ${problem}. Name the folder that holds correlations/, connectors/ and playbooks/ (default: the current folder).`,
    );
    return 1;
  }
  const { content, diagnostics } = await loadContent(root);
  for (const d of diagnostics) console.log(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (!content) {
    console.log(`\n${errors} error(s), ${warnings} warning(s).`);
    return 1;
  }
  console.log(
    `OK: ${content.rules.detections.size} detection rule(s), ${content.rules.correlations.length} correlation(s)${pipelinesNote(content.rules.pipelines)}, ` +
      `${content.connectors.length} connector(s), ${content.playbooks.length} playbook(s); ${warnings} warning(s).`,
  );
  return 0;
}
