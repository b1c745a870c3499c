import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../../src/content.js';
import { formatDiagnostic } from '../../../src/shared/diagnostics.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The shipped playbooks act through the built-in limiter and case store only (the outside
 * connectors ship disabled), and carry their real-platform variants as comments. These must not
 * rot: enable the connectors in a copy of the shipped content, uncomment each variant exactly as
 * the file's header says, and the result must load with no diagnostics.
 */

/** The indented YAML commented out under `#   <state>:` in a file's header, uncommented. */
function commentedState(text: string, state: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `#   ${state}:`);
  expect(start, `a commented "${state}" state`).toBeGreaterThan(-1);
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('#   ')) break;
    block.push(line.slice(2));
  }
  return `${block.join('\n')}\n`;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, `${file} changed`).not.toBe(before);
  writeFileSync(path, after);
}

function replaceState(text: string, state: string, next: string, replacement: string): string {
  // Line starts only: the header's commented copy holds the same text after "#".
  const from = text.indexOf(`\n  ${state}:\n`);
  const to = text.indexOf(`\n  ${next}:\n`, from);
  expect([from, to].every((i) => i > 0)).toBe(true);
  return `${text.slice(0, from + 1)}${replacement}${text.slice(to + 1)}`;
}

describe('the shipped playbooks with their outside connectors enabled', () => {
  it('load with the commented MLflow rollback, Slack notify and issuer-side key block', async () => {
    const dir = tempDir('alternatives');
    for (const folder of ['correlations', 'connectors', 'playbooks'])
      cpSync(join(REPO_ROOT, folder), join(dir, folder), { recursive: true });
    for (const connector of ['mlflow', 'slack', 'litellm-proxy'])
      edit(dir, `connectors/${connector}.yaml`, (t) =>
        t.replace(/^enabled: false$/m, 'enabled: true'),
      );
    edit(dir, 'playbooks/rollback-poisoned-model.yaml', (t) =>
      replaceState(t, 'rollback', 'verify', commentedState(t, 'rollback')),
    );
    edit(dir, 'playbooks/respond-to-prompt-injection.yaml', (t) =>
      t
        .replace(
          '  done:\n    end: resolved',
          `${commentedState(t, 'notify')}  done:\n    end: resolved`,
        )
        .replace(/(dedupe: "\{\{ incident\.id \}\}"\n(?:.*\n)*?    )next: done/, '$1next: notify'),
    );
    edit(dir, 'playbooks/suspected-stolen-key.yaml', (t) =>
      t.replaceAll('connector: gateway', 'connector: litellm-proxy'),
    );

    const { content, diagnostics } = await loadContent(dir);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    const states = (id: string) =>
      content?.playbooks.find((p) => p.definition.id === id)?.definition.states ?? {};
    expect(states('rollback-poisoned-model').rollback).toMatchObject({
      kind: 'action',
      operation: 'model.rollback',
      connector: 'mlflow',
      undo: 'model.restore',
      next: 'verify',
    });
    expect(states('respond-to-prompt-injection').open_case).toMatchObject({ next: 'notify' });
    expect(states('respond-to-prompt-injection').notify).toMatchObject({
      operation: 'notify.slack',
      connector: 'slack',
    });
    expect(states('suspected-stolen-key').block_key).toMatchObject({
      operation: 'key.block',
      connector: 'litellm-proxy',
      undo: 'key.unblock',
    });
  });

  it('do not load as shipped once a playbook names a disabled connector', async () => {
    // Why the variants stay commented: a disabled connector offers nothing to playbooks.
    const dir = tempDir('alternatives');
    for (const folder of ['correlations', 'connectors', 'playbooks'])
      cpSync(join(REPO_ROOT, folder), join(dir, folder), { recursive: true });
    edit(dir, 'playbooks/rollback-poisoned-model.yaml', (t) =>
      replaceState(t, 'rollback', 'verify', commentedState(t, 'rollback')),
    );
    const { content, diagnostics } = await loadContent(dir);
    expect(content).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /rollback-poisoned-model\.yaml:\d+:\d+ error CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR .*"mlflow"/,
    );
  });
});
