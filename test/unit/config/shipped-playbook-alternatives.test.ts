import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../../src/content.js';
import { formatDiagnostic } from '../../../src/shared/diagnostics.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The shipped playbooks act through the routes connectors/traffic.yaml and tickets.yaml (and,
 * for the model rollback, `connectors.<name>.enabled`), so enabling an outside connector in a
 * copy of the shipped content moves them onto it with no playbook edit; the prompt-injection
 * notice goes to Slack (or Teams) the same way, behind `connectors.<name>.enabled`.
 */

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, `${file} changed`).not.toBe(before);
  writeFileSync(path, after);
}

function copyShipped(): string {
  const dir = tempDir('alternatives');
  for (const folder of ['correlations', 'connectors', 'playbooks'])
    cpSync(join(REPO_ROOT, folder), join(dir, folder), { recursive: true });
  return dir;
}

function enable(dir: string, ...connectors: string[]): void {
  for (const connector of connectors)
    edit(dir, `connectors/${connector}.yaml`, (t) =>
      t.replace(/^enabled: false$/m, 'enabled: true'),
    );
}

describe('the shipped playbooks with their outside connectors enabled', () => {
  it('move onto MLflow, LiteLLM and Jira when those are enabled, with no playbook edit', async () => {
    const dir = copyShipped();
    enable(dir, 'mlflow', 'slack', 'litellm-proxy', 'jira');

    const { content, diagnostics } = await loadContent(dir);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    const definition = (id: string) =>
      content?.playbooks.find((p) => p.definition.id === id)?.definition;
    const states = (id: string) => definition(id)?.states ?? {};
    // The rollback branch (and who hears the outcome) is pinned in the definition runs are
    // stored with.
    expect(definition('rollback-poisoned-model')?.connectors).toEqual({
      kserve: { enabled: false },
      mlflow: { enabled: true },
      slack: { enabled: true },
      teams: { enabled: false },
    });
    expect(states('rollback-poisoned-model').move_alias).toMatchObject({
      kind: 'action',
      operation: 'model.rollback',
      connector: 'mlflow',
      undo: 'model.restore',
      next: 'verify',
    });
    expect(states('rollback-poisoned-model').snapshot).toMatchObject({
      connector: 'jira',
      connectorType: 'jira',
      via: 'tickets',
    });
    expect(states('respond-to-prompt-injection').notify_slack).toMatchObject({
      operation: 'notify.slack',
      connector: 'slack',
    });
    expect(definition('respond-to-prompt-injection')?.connectors).toMatchObject({
      slack: { enabled: true },
      teams: { enabled: false },
    });
    expect(states('suspected-stolen-key').block_key).toMatchObject({
      operation: 'key.block',
      connector: 'litellm-proxy',
      via: 'traffic',
      undo: 'key.unblock',
    });
    // The address and session blocks stay on the built-in limiter (not gateway consumers).
    expect(states('block-credential-stuffing').block_source).toMatchObject({
      connector: 'gateway',
    });
  });

  it('as shipped they act on the built-ins, and naming a disabled connector directly is refused', async () => {
    const shipped = await loadContent(REPO_ROOT);
    const states = (id: string) =>
      shipped.content?.playbooks.find((p) => p.definition.id === id)?.definition.states ?? {};
    expect(states('contain-abusive-key').throttle).toMatchObject({
      connector: 'gateway',
      connectorType: 'builtin-limiter',
      via: 'traffic',
    });
    expect(states('contain-abusive-key').open_case).toMatchObject({
      connector: 'cases',
      via: 'tickets',
    });

    const dir = copyShipped();
    edit(dir, 'playbooks/contain-abusive-key.yaml', (t) =>
      t.replace('connector: tickets', 'connector: jira'),
    );
    const { content, diagnostics } = await loadContent(dir);
    expect(content).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /contain-abusive-key\.yaml:\d+:\d+ error CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR .*"jira", which is disabled/,
    );
  });
});
