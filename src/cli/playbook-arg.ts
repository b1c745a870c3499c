import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  actionConnectorRoutes,
  disabledActionConnectors,
  disabledConnectorsUsed,
  enableHint,
} from '../actions/connectors/disabled-connectors.js';
import { buildConnectorSet } from '../config/connectors.js';
import type { CompiledPlaybook } from '../playbook/definition/compile-playbook.js';
import { buildPlaybooks, callablePlaybooks } from '../playbook/definition/build-playbooks.js';
import { isPlaybookTestFile } from '../playbook/tooling/playbook-tests.js';
import { formatDiagnostic } from '../shared/diagnostics.js';
import { readYamlFiles } from '../shared/yaml-files.js';

/**
 * The playbook a tooling command (graph, plan) names: an id from `<content>/playbooks/`, or a
 * playbook file, validated against `<content>/connectors/` as `cordon validate` would (rules
 * are not loaded: triggers do not change what a run does). Problems go to stderr.
 */
export async function loadPlaybookArg(
  command: string,
  arg: string,
  contentDir: string,
): Promise<CompiledPlaybook | undefined> {
  return (await loadPlaybookSet(command, arg, contentDir))?.playbook;
}

/**
 * `loadPlaybookArg`, with the installation's playbooks beside it (what its call states may
 * start): a playbook file's own id wins over an installed one's; when the installed playbooks
 * have errors, a file is still loaded, without them (a warning says so).
 */
export async function loadPlaybookSet(
  command: string,
  arg: string,
  contentDir: string,
): Promise<
  | { readonly playbook: CompiledPlaybook; readonly playbooks: readonly CompiledPlaybook[] }
  | undefined
> {
  const root = resolve(contentDir);
  const connectors = buildConnectorSet(await readYamlFiles(resolve(root, 'connectors')));
  const isFile = /\.ya?ml$/i.test(arg) && (await exists(arg));
  const installed = (await readYamlFiles(resolve(root, 'playbooks'))).filter(
    (s) => !isPlaybookTestFile(s.file),
  );
  const sources = isFile
    ? (await readYamlFiles(resolve(arg, '..'))).filter((s) => resolve(s.file) === resolve(arg))
    : installed;
  const options = {
    // Disabled connectors count here so a playbook can be drawn and planned before its
    // connectors are switched on; each one used is flagged below.
    connectors: new Map(
      connectors.connectors.filter((c) => c.kind === 'action').map((c) => [c.name, c.type]),
    ),
    // Told apart for `connectors.<name>.enabled` (resolution finds them enabled above).
    disabledConnectors: disabledActionConnectors(connectors.connectors),
    // Routes pick among the instances as they are enabled (what `cordon start` would bind).
    routes: actionConnectorRoutes(connectors.connectors),
    rules: undefined,
  };
  const { playbooks, diagnostics } = buildPlaybooks(sources, {
    ...options,
    // A file alone may call the installation's playbooks (its own id wins over theirs).
    ...(isFile ? { playbooks: callablePlaybooks([...sources, ...installed]) } : {}),
  });
  const disabled = disabledActionConnectors(connectors.connectors);
  const errors = [...connectors.diagnostics, ...diagnostics].filter((d) => d.severity === 'error');
  for (const d of errors) console.error(formatDiagnostic(d));
  if (!playbooks) {
    console.error(`cordon ${command}: the playbooks have errors (above); fix them first.`);
    return undefined;
  }
  const found = isFile ? playbooks[0] : playbooks.find((p) => p.definition.id === arg);
  if (!found) {
    const ids = playbooks.map((p) => p.definition.id);
    console.error(
      `cordon ${command}: no playbook "${arg}" under ${resolve(root, 'playbooks')}. Playbooks: ${ids.join(', ') || '(none)'}; or name a playbook file.`,
    );
  }
  const used = found ? disabledConnectorsUsed(found.definition, disabled) : [];
  // Whether `cordon start` (disabled connectors are disabled there) takes this playbook: a
  // state acting on a disabled connector behind a choice that requires it enabled is fine.
  // Only the playbook's own file is built again: another playbook's errors are not its.
  const callable = callablePlaybooks(isFile ? [...sources, ...installed] : installed);
  const own = sources.filter((s) =>
    buildPlaybooks([s], { ...options, playbooks: callable }).playbooks?.some(
      (p) => p.definition.id === found?.definition.id,
    ),
  );
  const refused =
    used.length > 0 &&
    buildPlaybooks(own, {
      ...options,
      connectors: new Map([...options.connectors].filter(([n]) => !disabled.has(n))),
      playbooks: callable,
    }).playbooks === undefined;
  for (const name of used) {
    const d = disabled.get(name);
    if (d)
      console.error(
        refused
          ? `cordon ${command}: warning: ${enableHint(name, d)} Until then \`cordon start\` refuses this playbook.`
          : `cordon ${command}: note: connector "${name}" is disabled: \`cordon start\` takes this playbook, and its branches that act on "${name}" are taken only once it is enabled.`,
      );
  }
  if (!found) return undefined;
  if (!isFile) return { playbook: found, playbooks };
  const built = buildPlaybooks(installed, options);
  if (!built.playbooks)
    console.error(
      `cordon ${command}: warning: the playbooks under ${resolve(root, 'playbooks')} have errors (\`cordon validate\` lists them), so calls into them are not planned.`,
    );
  const others = built.playbooks ?? [];
  return {
    playbook: found,
    playbooks: [found, ...others.filter((p) => p.definition.id !== found.definition.id)],
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
