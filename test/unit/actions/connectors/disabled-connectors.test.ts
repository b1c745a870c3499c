/**
 * A playbook naming a connector that exists but is `enabled: false` is told so, with how to
 * enable it (and which secrets it needs, by name); `cordon graph`/`plan` still draw it but warn.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadPlaybookArg } from '../../../../src/cli/playbook-arg.js';
import { loadContent } from '../../../../src/content.js';
import { formatDiagnostic } from '../../../../src/shared/diagnostics.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const KONG = `apiVersion: cordon/v1
name: kong
type: kong
enabled: false
url: http://kong-admin:8001
auth:
  header: { name: Kong-Admin-Token, value: { env: KONG_ADMIN_TOKEN } }
`;

const PLAYBOOK = (connector: string): string => `apiVersion: cordon/v1
id: throttle-at-kong
on:
  correlation: [some_rule]
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with:
      ${connector}key: "{{ incident.group.api_key }}"
      limit: 10/m
    next: done
  done:
    end: resolved
`;

function content(playbook: string): string {
  const dir = tempDir('disabled-connector');
  for (const d of ['connectors', 'playbooks', 'correlations'])
    mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'connectors', 'kong.yaml'), KONG);
  writeFileSync(join(dir, 'playbooks', 'throttle-at-kong.yaml'), playbook);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a playbook naming a disabled connector', () => {
  it('is refused with "disabled", enabled: true and the secret variable, not "not defined"', async () => {
    const { diagnostics } = await loadContent(content(PLAYBOOK('connector: kong\n      ')));
    const text = diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain('CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR');
    expect(text).toContain('names connector "kong", which is disabled');
    expect(text).toContain('Set enabled: true');
    expect(text).toContain('env KONG_ADMIN_TOKEN');
    expect(text).not.toContain('does not define');
  });

  it('without connector:, points at the disabled connector that would offer the operation', async () => {
    const { diagnostics } = await loadContent(content(PLAYBOOK('')));
    const text = diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toMatch(/no connector of type .*kong.* is configured\. Connector "kong"/);
    expect(text).toContain('is disabled');
  });

  it('cordon graph/plan load it and flag the disabled connector on stderr', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => {
      errors.push(String(m));
    });
    const dir = content(PLAYBOOK('connector: kong\n      '));
    const found = await loadPlaybookArg('graph', 'throttle-at-kong', dir);
    expect(found?.definition.id).toBe('throttle-at-kong');
    expect(errors.join('\n')).toContain(
      'cordon graph: warning: Connector "kong" (type kong) is disabled',
    );
    expect(errors.join('\n')).toContain('refuses this playbook');
  });
});
