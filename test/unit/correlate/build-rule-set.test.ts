import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesOutlastingDedupe } from '../../../src/correlate/rule/dedupe-check.js';
import { buildRuleSet, loadRuleSources } from '../../../src/correlate/rule/index.js';
import type { CompiledCorrelation } from '../../../src/correlate/rule/index.js';
import { formatDiagnostic } from '../../../src/shared/diagnostics.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { dedent, diagnose, makeEvent } from './helpers.js';

const INFERENCE_RULE = dedent(`
  title: Inference request
  name: inference_request
  id: 0f1b4c7e-5d1a-4b8e-9a3c-6e2f8d9b1a01
  logsource: { category: inference }
  detection:
    selection:
      api_key|exists: true
    condition: selection
`);

function correlation(body: string): string {
  return `${INFERENCE_RULE}---\ntitle: Query burst\nname: query_burst\n${dedent(body)}`;
}

function onlyCorrelation(text: string): CompiledCorrelation {
  const { ruleSet, diagnostics } = buildRuleSet([{ file: 'rules.yaml', text }]);
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  const [first] = ruleSet?.correlations ?? [];
  if (!first) throw new Error('no correlation compiled');
  return first;
}

describe('the shipped correlations/ directory', () => {
  it('builds with zero diagnostics; the rule the shipped playbook triggers on compares a key to its own baseline', async () => {
    const { ruleSet, diagnostics } = buildRuleSet(await loadRuleSources('correlations'));
    expect(diagnostics).toEqual([]);
    expect(ruleSet?.correlations.length).toBeGreaterThan(20);
    expect(
      ruleSet?.correlations.find((c) => c.key === 'model_extraction_by_query_volume'),
    ).toMatchObject({
      kind: 'correlation',
      level: 'high',
      type: 'baseline_spike',
      sigmaType: 'event_count',
      inputs: [
        {
          key: 'inference_request',
          kind: 'detection',
          groupPaths: ['entity.api_key'],
          fieldPaths: [],
        },
      ],
      timespanMs: 60_000,
      condition: { kind: 'threshold', bounds: [{ op: 'gt', value: 100 }] },
      firing: 'eager',
      action: 'reset',
      window: { kind: 'sliding' },
      groupBy: [{ name: 'api_key' }],
      alerts: true,
      // api_key_accumulated_risk reads it (with generate: true, so it still alerts).
      chained: true,
    });
    const detection = ruleSet?.detections.get('inference_request');
    expect(detection).toMatchObject({
      level: 'info',
      alerts: false,
      chained: true,
      eventKind: 'inference',
    });
    expect(detection?.matches(makeEvent({ entity: { api_key: 'k-1' } }))).toBe(true);
    expect(detection?.matches(makeEvent())).toBe(false);
    expect(detection?.matches(makeEvent({ kind: 'login', entity: { api_key: 'k-1' } }))).toBe(
      false,
    );
    expect(ruleSet?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tags every rule that alerts above low with a MITRE ATLAS technique', async () => {
    const { ruleSet } = buildRuleSet(await loadRuleSources('correlations'));
    const alerting = [
      ...(ruleSet?.detections.values() ?? []),
      ...(ruleSet?.correlations ?? []),
    ].filter((r) => r.alerts && ['medium', 'high', 'critical'].includes(r.level));
    expect(alerting.length).toBeGreaterThan(10);
    for (const r of alerting)
      expect(
        r.tags.some((t) => t.startsWith('atlas.AML.')),
        r.key,
      ).toBe(true);
  });
});

describe('correlation compilation', () => {
  it('resolves group-by through aliases first, then the field map, for every referenced rule', async () => {
    const { ruleSet } = buildRuleSet(await loadRuleSources('test/fixtures/correlations/valid'));
    const burst = ruleSet?.correlations.find((c) => c.key === 'login_fail_burst');
    expect(burst).toMatchObject({
      inputs: [
        {
          key: 'login_failure',
          groupPaths: ['entity.geo.region', 'entity.tenant'],
        },
        {
          key: 'gateway_auth_failure',
          groupPaths: ['labels.segment_region', 'entity.tenant'],
        },
      ],
      timespanMs: 600_000,
      condition: { kind: 'threshold', bounds: [{ op: 'gte', value: 20 }] },
      allowedLatenessMs: 120_000,
      level: 'high',
      groupBy: [{ name: 'region' }, { name: 'tenant' }],
    });
    // generate: true keeps the referenced rules alerting on their own.
    expect(ruleSet?.detections.get('login_failure')?.alerts).toBe(true);
    expect(ruleSet?.detections.get('prompt_injection_attempt')?.alerts).toBe(true);
  });

  it('accepts a reference by id and keys it by the rule name', () => {
    const compiled = onlyCorrelation(
      correlation(`
        correlation:
          type: event_count
          rules: 0f1b4c7e-5d1a-4b8e-9a3c-6e2f8d9b1a01
          timespan: 30s
          condition: { gte: 5 }
      `),
    );
    expect(compiled.inputs.map((i) => i.key)).toEqual(['inference_request']);
    expect(compiled.groupBy).toEqual([]);
    expect(compiled.level).toBe('medium');
  });

  it('accepts generate inside the correlation block (pySigma) and lateness 0', () => {
    const text = correlation(`
      correlation:
        type: event_count
        rules: [inference_request]
        group-by: [user]
        timespan: 1m
        condition: { gt: 3 }
        generate: true
      cordon: { lateness: 0s }
    `);
    const { ruleSet } = buildRuleSet([{ file: 'rules.yaml', text }]);
    expect(ruleSet?.correlations[0]?.allowedLatenessMs).toBe(0);
    expect(ruleSet?.correlations[0]?.groupBy).toEqual([{ name: 'user' }]);
    expect(ruleSet?.correlations[0]?.inputs[0]?.groupPaths).toEqual(['entity.user']);
    expect(ruleSet?.detections.get('inference_request')?.alerts).toBe(true);
  });

  it('rejects generate given twice with different values', () => {
    const diagnostics = diagnose(
      correlation(`
        generate: false
        correlation:
          type: event_count
          rules: [inference_request]
          timespan: 1m
          condition: { gt: 3 }
          generate: true
      `),
    );
    expect(diagnostics.map((d) => d.code)).toEqual(['CORDON_ERR_DEFINITION_VALUE']);
  });
});

describe('diagnostics', () => {
  it('collects every problem of a document, not only the first', () => {
    const diagnostics = diagnose(`
      title: Many problems
      name: many_problems
      level: severe
      detection:
        selection:
          user|contians: alice
          apikey_hash: x
        condition: selection and not fliter
    `);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['CORDON_ERR_DEFINITION_VALUE', 3],
      ['CORDON_ERR_RULE_MODIFIER', 6],
      ['CORDON_ERR_RULE_FIELD', 7],
      ['CORDON_ERR_RULE_CONDITION', 8],
    ]);
  });

  it('words representative messages exactly', () => {
    const diagnostics = diagnose(`
      title: Many problems
      name: many_problems
      detection:
        selection:
          user|contians: alice
          user_agnt: curl*
        condition: selction
    `);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'test.yaml:5:5 error CORDON_ERR_RULE_MODIFIER Rule "many_problems" field "user" uses unknown modifier "contians"; got "user|contians". Did you mean "contains"? (at detection.selection["user|contians"])',
      'test.yaml:6:5 error CORDON_ERR_RULE_FIELD Rule "many_problems" field "user_agnt" maps to no canonical event path; got "user_agnt". Did you mean "user_agent"? Use a dotted canonical path such as "entity.api_key" or "labels.<name>", or map the name in a processing pipeline (a *.pipeline.yaml file beside the rules). (at detection.selection.user_agnt)',
      'test.yaml:7:14 error CORDON_ERR_RULE_CONDITION Rule "many_problems" condition refers to unknown search identifier "selction" at character 1 of "selction"; got "selction". Did you mean "selection"? (at detection.condition)',
    ]);
  });

  it('words correlation messages exactly', () => {
    const diagnostics = diagnose(
      correlation(`
        correlation:
          type: event_count
          rules: [inference_requests]
          timespan: 90
          condition: { eq: 10, field: model }
        cordon: { fire: eager }
      `),
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      'Rule "query_burst" correlation rules names "inference_requests", which no rule defines; got "inference_requests". Did you mean "inference_request"?',
      'Rule "query_burst" timespan is not a duration; got the number 90 without a unit; write a number followed by ms, s, m, h, d or w (for example "90s").',
      'Rule "query_burst" condition has unknown key "field". Known keys: gt, gte, lt, lte, eq, neq.',
    ]);
  });

  it('warns, without blocking, about a category Cordon never emits and unused identifiers', () => {
    const text = dedent(`
      title: Windows process
      name: windows_process
      logsource: { category: process_creation, product: windows }
      detection:
        selection: { name: cmd.exe }
        filter: { user: system }
        condition: selection
    `);
    const { ruleSet, diagnostics } = buildRuleSet([{ file: 'w.yaml', text }]);
    expect(ruleSet).toBeDefined();
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'w.yaml:3:24 warning CORDON_WARN_RULE_NEVER_MATCHES Rule "windows_process" logsource.category is not a Cordon event kind, so the rule never matches; got "process_creation". Use one of alert, drift, login, inference, llm, feedback, audit, metric, log, map it to one with a processing pipeline\'s change_logsource, or remove the category to match every kind. (at logsource.category)',
      'w.yaml:6:3 warning CORDON_WARN_RULE_UNUSED Rule "windows_process" search identifier "filter" is not used by the condition; got a condition that never refers to it. Use it in the condition or remove it. (at detection.filter)',
    ]);
  });

  it('warns about an alias that group-by does not use', () => {
    const diagnostics = diagnose(
      correlation(`
        correlation:
          type: event_count
          rules: [inference_request]
          group-by: [api_key]
          timespan: 1m
          condition: { gt: 1 }
          aliases:
            place: { inference_request: entity.geo.region }
      `),
    );
    expect(diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'CORDON_WARN_RULE_UNUSED'],
    ]);
  });

  it('rejects a name that is another rule’s id, naming both places', () => {
    const diagnostics = buildRuleSet([
      { file: 'a.yaml', text: INFERENCE_RULE },
      {
        file: 'b.yaml',
        text: 'title: Other\nname: 0f1b4c7e-5d1a-4b8e-9a3c-6e2f8d9b1a01\ndetection:\n  s: { user: x }\n  condition: s\n',
      },
    ]).diagnostics;
    expect(diagnostics.map((d) => [d.file, d.code, d.message])).toEqual([
      [
        'b.yaml',
        'CORDON_ERR_DEFINITION_DUPLICATE',
        'Rule "0f1b4c7e-5d1a-4b8e-9a3c-6e2f8d9b1a01" name "0f1b4c7e-5d1a-4b8e-9a3c-6e2f8d9b1a01" is already the id of the rule at a.yaml:3; got a second definition at b.yaml:2. Names and ids must be unique across all rule files; rename one of them.',
      ],
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(diagnose('- just\n- a list\n').map((d) => d.code)).toEqual([
      'CORDON_ERR_YAML_NOT_MAPPING',
    ]);
  });
});

describe('rule set hash', () => {
  it('depends on the sources, not the order they are given in', () => {
    const a = { file: 'a.yaml', text: INFERENCE_RULE };
    const b = {
      file: 'b.yaml',
      text: INFERENCE_RULE.replaceAll('inference_request', 'other').replace(/id: .*\n/, ''),
    };
    const one = buildRuleSet([a, b]).ruleSet?.hash;
    expect(one).toBeDefined();
    expect(buildRuleSet([b, a]).ruleSet?.hash).toBe(one);
    expect(buildRuleSet([a, { ...b, text: `${b.text}# edited\n` }]).ruleSet?.hash).not.toBe(one);
  });
});

describe('loadRuleSources', () => {
  const root = tempDir('rules');

  it('returns [] for a missing directory', async () => {
    expect(await loadRuleSources(path.join(root, 'missing'))).toEqual([]);
  });

  it('reads *.yaml and *.yml recursively, sorted by path, skipping other and hidden files', async () => {
    const dir = path.join(root, 'rules');
    mkdirSync(path.join(dir, 'nested'), { recursive: true });
    mkdirSync(path.join(dir, '.git'), { recursive: true });
    writeFileSync(path.join(dir, 'z.yaml'), 'z');
    writeFileSync(path.join(dir, 'a.yml'), 'a');
    writeFileSync(path.join(dir, 'nested', 'm.YAML'), 'm');
    writeFileSync(path.join(dir, 'notes.md'), 'no');
    writeFileSync(path.join(dir, '.git', 'x.yaml'), 'no');
    symlinkSync(path.join(dir, 'z.yaml'), path.join(dir, 'link.yaml'));
    const sources = await loadRuleSources(dir);
    expect(sources.map((s) => [path.basename(s.file), s.text])).toEqual([
      ['a.yml', 'a'],
      ['link.yaml', 'z'],
      ['m.YAML', 'm'],
      ['z.yaml', 'z'],
    ]);
  });

  it('names files relative to the working directory when they lie under it, and skips rule tests', async () => {
    const sources = await loadRuleSources(path.resolve('correlations'));
    expect(sources.map((s) => s.file)).toContain('correlations/model-extraction.yaml');
    expect(
      sources.every((s) => s.file.startsWith('correlations/') && !s.file.endsWith('.test.yaml')),
    ).toBe(true);
    expect(await loadRuleSources('correlations/model-extraction.yaml')).toEqual(
      sources.filter((s) => s.file === 'correlations/model-extraction.yaml'),
    );
  });
});

describe('rulesOutlastingDedupe', () => {
  it('names the correlations whose lateness exceeds the dedupe window', () => {
    const { ruleSet } = buildRuleSet([
      {
        file: 'r.yaml',
        text: `title: Request
name: request
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
---
title: Patient
name: patient
correlation: { type: event_count, rules: [request], group-by: [api_key], timespan: 1m, condition: { gte: 5 } }
cordon: { lateness: 36h }
---
title: Prompt
name: prompt
correlation: { type: event_count, rules: [request], group-by: [api_key], timespan: 1m, condition: { gte: 5 } }
`,
      },
    ]);
    if (!ruleSet) throw new Error('rules did not compile');
    expect(rulesOutlastingDedupe(ruleSet, 86_400_000)).toEqual(['patient']);
    expect(rulesOutlastingDedupe(ruleSet, 2 * 86_400_000)).toEqual([]);
  });
});
