import { resolve } from 'node:path';
import { loadContent } from '../content.js';
import { formatDiagnostic } from '../shared/diagnostics.js';

/** `cordon validate [dir]`: checks correlations/, connectors/ and playbooks/; exit 1 on errors. */
export async function runValidate(dir = '.'): Promise<number> {
  const { content, diagnostics } = await loadContent(resolve(dir));
  for (const d of diagnostics) console.log(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (!content) {
    console.log(`\n${errors} error(s), ${warnings} warning(s).`);
    return 1;
  }
  console.log(
    `OK: ${content.rules.detections.size} detection rule(s), ${content.rules.correlations.length} correlation(s), ` +
      `${content.connectors.length} connector(s), ${content.playbooks.length} playbook(s); ${warnings} warning(s).`,
  );
  return 0;
}
