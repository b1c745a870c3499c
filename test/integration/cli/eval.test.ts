/**
 * `cordon eval` as users run it: the built CLI on a generated, labelled stream with planted
 * anomalies, scored by an anomaly rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anomalyRules, generateDataset } from '../../helpers/anomaly-dataset.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

function cordon(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', CORDON_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('cordon eval', () => {
  const dir = tempDir('eval');
  const data = generateDataset({ keys: 20, windows: 30, windowMs: 300_000, seed: 3 });
  const events = join(dir, 'labelled.ndjson');
  writeFileSync(
    events,
    data.events
      .map((e) => {
        const { received: _received, ...line } = e;
        return JSON.stringify(line);
      })
      .join('\n'),
  );
  mkdirSync(join(dir, 'content', 'correlations'), { recursive: true });
  writeFileSync(join(dir, 'content', 'correlations', 'rules.yaml'), anomalyRules(0.75));

  it('reports precision, recall and ROC AUC of the rules against the label field', () => {
    const run = cordon([
      'eval',
      '--json',
      '--content',
      join(dir, 'content'),
      '--label',
      'labels.anomaly',
      events,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, number | null> & {
      rules: { rule: string; matches: number }[];
    };
    expect(out.events).toBe(data.events.length);
    expect(out.positives).toBe(data.positives.size);
    // Every planted window is found, and little else is.
    expect(out.recall).toBe(1);
    expect(out.precision).toBeGreaterThan(0.5);
    expect(out.auc).toBeGreaterThan(0.95);
    expect(out.rules.map((r) => r.rule)).toEqual(['odd_key']);
  });

  it('reads the default label, a top-level "label" beside the event, and takes it off the line', () => {
    // The same events, each labelled as the README shows: {"label":…} next to the event's keys.
    const topLevel = join(dir, 'top-level-label.ndjson');
    writeFileSync(
      topLevel,
      data.events
        .map((e) => {
          const { received: _received, labels, ...event } = e;
          return JSON.stringify({ label: labels.anomaly ?? false, ...event, labels: {} });
        })
        .join('\n'),
    );
    const run = cordon(['eval', '--json', '--content', join(dir, 'content'), topLevel]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, number | string | null>;
    expect(out.label).toBe('label');
    expect(out.events).toBe(data.events.length);
    expect(out.positives).toBe(data.positives.size);
    expect(out.recall).toBe(1);
    // Another key beside the event, read by a dotted path, is taken off the line as well.
    const nested = join(dir, 'nested-label.ndjson');
    writeFileSync(
      nested,
      data.events
        .map((e) => {
          const { received: _received, labels, ...event } = e;
          return JSON.stringify({ ...event, truth: { attack: labels.anomaly ?? 'benign' } });
        })
        .join('\n'),
    );
    const byPath = cordon([
      'eval',
      '--json',
      '--content',
      join(dir, 'content'),
      '--label',
      'truth.attack',
      nested,
    ]);
    expect(byPath.code, byPath.stderr).toBe(0);
    expect((JSON.parse(byPath.stdout) as { positives: number }).positives).toBe(
      data.positives.size,
    );
  });

  it('prints a table, and refuses a missing input', () => {
    const run = cordon([
      'eval',
      '--content',
      join(dir, 'content'),
      '--label',
      'labels.anomaly',
      events,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/odd_key\s+\d+\s+\d+\s+[\d.]+\s+1\.000\s+[\d.]+/);
    expect(run.stdout).toContain(`labelled positive by "labels.anomaly"`);
    expect(cordon(['eval']).code).toBe(2);
    // A file that is not there: said plainly, without a stack trace.
    const missing = cordon(['eval', '--content', join(dir, 'content'), join(dir, 'nope.ndjson')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `cordon: ${join(dir, 'nope.ndjson')}: no such file or directory.`,
    );
  });

  it('prints where the rules are wrong and exits 1, as replay does', () => {
    const bad = join(dir, 'bad-content');
    mkdirSync(join(bad, 'correlations'), { recursive: true });
    writeFileSync(join(bad, 'correlations', 'bad.yaml'), 'title: x\nname: bad\n');
    for (const command of [
      ['eval', '--content', bad, '--label', 'labels.anomaly', events],
      ['replay', '--content', bad, events],
    ]) {
      const run = cordon(command);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/bad\.yaml:1:1 error CORDON_ERR_DEFINITION_REQUIRED/);
      expect(run.stderr).toContain(`cordon ${command[0]}: the rules under ${bad} have errors.`);
    }
  });
});
