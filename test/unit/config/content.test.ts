import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../../src/content.js';
import { formatDiagnostic } from '../../../src/shared/diagnostics.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

const BROKEN = fileURLToPath(new URL('../../fixtures/content/broken/', import.meta.url));

describe('shipped content', () => {
  it('validates with no diagnostics at all', async () => {
    const { content, diagnostics } = await loadContent(REPO_ROOT);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(content?.playbooks.map((p) => p.definition.id).sort()).toEqual([
      'block-credential-stuffing',
      'contain-abusive-key',
      'respond-to-prompt-injection',
      'rollback-poisoned-model',
      'suspected-stolen-key',
    ]);
    expect(content?.connectors.map((c) => `${c.name}:${c.kind}`).sort()).toEqual([
      'alertmanager:source',
      'aws-apigateway:action',
      'bulk:source',
      'cases:action',
      'events:source',
      'gateway:action',
      'github:action',
      'hec:source',
      'jira:action',
      'kong:action',
      'kserve:action',
      'litellm-proxy:action',
      'mlflow:action',
      'otlp:source',
      'pagerduty:action',
      'servicenow:action',
      'slack:action',
      'splunk:source',
      'teams:action',
      'tickets:action',
      'traffic:action',
      'webhook:action',
    ]);
    // The action connectors for outside systems ship disabled: nothing to configure to start.
    expect(
      content?.connectors
        .filter((c) => c.action && !c.action.enabled)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'aws-apigateway',
      'github',
      'jira',
      'kong',
      'kserve',
      'litellm-proxy',
      'mlflow',
      'pagerduty',
      'servicenow',
      'slack',
      'teams',
      'webhook',
    ]);
    expect(content?.ruleKeys.get('7c2a9e14-3b6d-4f0a-8e51-2d9c4b7a6f02')).toBe(
      'model_extraction_by_query_volume',
    );
  });
});

describe('broken content', () => {
  it('reports every problem of every file with its location', async () => {
    const { content, diagnostics } = await loadContent(BROKEN);
    expect(content).toBeUndefined();
    const lines = diagnostics.map(
      (d) => `${d.file.split('/broken/')[1] ?? d.file}:${d.line}:${d.column} ${d.code}`,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        'connectors/bad.yaml:5:7 CORDON_ERR_CONNECTOR_TYPE',
        'connectors/bad.yaml:10:11 CORDON_ERR_CONNECTOR_SECRET',
        'correlations/rules.yaml:15:13 CORDON_ERR_DEFINITION_VALUE',
        'playbooks/pb.yaml:8:11 CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
      ]),
    );
    expect(diagnostics.find((d) => d.code === 'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET')?.message).toBe(
      'State "throttle" next points at state "dne", which does not exist. Did you mean "done"?',
    );
    const typo = diagnostics.find((d) => d.code === 'CORDON_ERR_CONNECTOR_TYPE');
    expect(typo?.message).toContain('Did you mean "builtin-limiter"?');
    const secret = diagnostics.find((d) => d.code === 'CORDON_ERR_CONNECTOR_SECRET');
    expect(secret?.message).not.toContain('s3cr3t');
  });

  it('makes `cordon validate` exit 1 and print file:line:col lines', async () => {
    let out = '';
    let status = 0;
    try {
      execFileSync(process.execPath, ['dist/cli/main.js', 'validate', BROKEN], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      status = e.status;
      out = e.stdout;
    }
    expect(status).toBe(1);
    expect(out).toMatch(
      /connectors\/bad\.yaml:5:7 error CORDON_ERR_CONNECTOR_TYPE Connector type "builtin-limitter" is not known\. Did you mean "builtin-limiter"\?/,
    );
    expect(out).toMatch(/error\(s\), \d+ warning\(s\)\./);
    const ok = execFileSync(process.execPath, ['dist/cli/main.js', 'validate'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const shipped = (await loadContent(REPO_ROOT)).content;
    expect(ok).toContain(
      `OK: ${shipped?.rules.detections.size} detection rule(s), ${shipped?.rules.correlations.length} correlation(s), 22 connector(s), 5 playbook(s); 0 warning(s).`,
    );
    expect(shipped?.rules.correlations.length).toBeGreaterThan(20);
  });

  it('`cordon validate` names the processing pipelines the rules went through', () => {
    const dir = tempDir('validate-pipeline');
    mkdirSync(join(dir, 'correlations'));
    writeFileSync(
      join(dir, 'correlations', 'win.pipeline.yaml'),
      'name: win\ntransformations: [{ type: field_name_prefix, prefix: labels. }]\n',
    );
    writeFileSync(
      join(dir, 'correlations', 'rule.yaml'),
      'title: T\nname: t\nlogsource: { category: log }\ndetection: { sel: { Image: x }, condition: sel }\n',
    );
    const ok = execFileSync(process.execPath, ['dist/cli/main.js', 'validate', dir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(ok).toContain(
      'OK: 1 detection rule(s), 0 correlation(s) (through the processing pipeline(s) win), 0 connector(s)',
    );
  });
});
