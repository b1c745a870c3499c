import { resolve } from 'node:path';
import { loadRuleContent, type RuleContent } from '../rule-content.js';
import { formatDiagnostic } from '../shared/diagnostics.js';

/**
 * The rules under `contentDir` for an offline command (`cordon replay`, `cordon eval`), or
 * undefined once their errors are printed, each with its file:line:column.
 */
export async function loadRulesOrReport(
  command: string,
  contentDir: string,
): Promise<RuleContent | undefined> {
  const dir = resolve(contentDir);
  const { content, diagnostics } = await loadRuleContent(dir);
  if (content) return content;
  for (const d of diagnostics) console.error(formatDiagnostic(d));
  console.error(`cordon ${command}: the rules under ${dir} have errors.`);
  return undefined;
}
