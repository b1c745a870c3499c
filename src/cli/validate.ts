import { resolve } from 'node:path';
import { checkConnectorSecrets } from '../actions/connectors/executor-table.js';
import { processSecrets } from '../actions/connectors/secrets.js';
import { resolveSourceTokens } from '../config/principals.js';
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
  let warnings = diagnostics.length - errors;
  if (!content) {
    console.log(`\n${errors} error(s), ${warnings} warning(s).`);
    return 1;
  }
  // What `cordon start` checks next, in this environment: a secret an enabled connector names
  // (a variable or a file) that is not there. A warning, since validate often runs elsewhere
  // (CI, an editor) than where Cordon starts.
  try {
    checkConnectorSecrets(
      content.connectors.flatMap((c) => (c.action ? [c.action] : [])),
      { secrets: processSecrets },
    );
  } catch (err) {
    const lines = (err instanceof Error ? err.message : String(err)).split('\n');
    for (const line of lines)
      console.log(`warning CORDON_ERR_CONNECTOR_SECRET (here, cordon start refuses): ${line}`);
    warnings += lines.length;
  }
  for (const line of (await resolveSourceTokens(content, process.env)).problems) {
    console.log(`warning CORDON_ERR_CONNECTOR_SECRET (here, cordon start refuses): ${line}`);
    warnings += 1;
  }
  console.log(
    `OK: ${content.rules.detections.size} detection rule(s), ${content.rules.correlations.length} correlation(s)${pipelinesNote(content.rules.pipelines)}, ` +
      `${content.connectors.length} connector(s), ${content.playbooks.length} playbook(s); ${warnings} warning(s).`,
  );
  return 0;
}
