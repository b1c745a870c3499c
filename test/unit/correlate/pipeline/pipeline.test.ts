import { describe, expect, it } from 'vitest';
import { buildRuleSet, loadRuleSources } from '../../../../src/correlate/rule/index.js';
import { formatDiagnostic } from '../../../../src/shared/diagnostics.js';
import { dedent, makeEvent } from '../helpers.js';

/** Builds `rules` with pipeline files beside them; returns the rule set and every diagnostic. */
function build(rules: string, pipelines: Record<string, string> = {}) {
  const sources = [
    { file: 'rules.yaml', text: dedent(rules) },
    ...Object.entries(pipelines).map(([file, text]) => ({ file, text: dedent(text) })),
  ];
  const { ruleSet, diagnostics } = buildRuleSet(sources);
  return { ruleSet, diagnostics: diagnostics.map(formatDiagnostic) };
}

function detection(rules: string, pipelines: Record<string, string>, key: string) {
  const { ruleSet, diagnostics } = build(rules, pipelines);
  expect(diagnostics).toEqual([]);
  const found = [...(ruleSet?.detections.values() ?? [])].find((d) => d.key === key);
  if (!found) throw new Error(`no detection ${key}`);
  return found;
}

const WHOAMI = `
  title: Whoami run
  name: whoami_run
  logsource: { product: windows, category: process_creation }
  detection:
    sel:
      Image|endswith: '\\whoami.exe'
      ParentImage|endswith: '\\cmd.exe'
    condition: sel
`;

const log = (labels: Record<string, string>, kind: 'log' | 'alert' = 'log') =>
  makeEvent({ kind, name: 'process', labels });

describe('processing pipelines beside the rules (*.pipeline.yaml)', () => {
  it('without one, an endpoint field is refused and the message says a pipeline can map it', () => {
    const { ruleSet, diagnostics } = build(WHOAMI);
    expect(ruleSet).toBeUndefined();
    const errors = diagnostics.filter((d) => d.includes(' error '));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('rules.yaml:6:5 error CORDON_ERR_RULE_FIELD');
    expect(errors[0]).toContain('a *.pipeline.yaml file beside the rules');
  });

  it('maps fields and changes the logsource of the rules its conditions select, in order', () => {
    const d = detection(
      WHOAMI,
      {
        'windows.pipeline.yaml': `
          name: windows
          transformations:
            - id: image
              type: field_name_mapping
              mapping: { Image: labels.image }
              rule_conditions: [{ type: logsource, product: windows }]
            - id: rest
              type: field_name_prefix
              prefix: labels.
              field_name_conditions: [{ type: exclude_fields, fields: [labels.image] }]
              rule_conditions: [{ type: logsource, product: windows }]
            - type: change_logsource
              category: log
              rule_conditions: [{ type: logsource, category: process_creation }]
        `,
      },
      'whoami_run',
    );
    expect(d.eventKind).toBe('log');
    expect(d.reads).toEqual(['labels.ParentImage', 'labels.image']);
    const hit = { image: 'C:\\Windows\\whoami.exe', ParentImage: 'C:\\Windows\\cmd.exe' };
    expect(d.matches(log(hit))).toBe(true);
    expect(d.matches(log(hit, 'alert'))).toBe(false);
    expect(d.matches(log({ ...hit, ParentImage: 'C:\\explorer.exe' }))).toBe(false);
  });

  it('does not touch a rule its conditions do not select', () => {
    const { diagnostics } = build(WHOAMI.replace('product: windows', 'product: linux'), {
      'w.pipeline.yaml': `
        name: windows
        transformations:
          - type: field_name_prefix
            prefix: labels.
            rule_conditions: [{ type: logsource, product: windows }]
      `,
    });
    expect(diagnostics.filter((d) => d.includes('CORDON_ERR_RULE_FIELD'))).toHaveLength(2);
  });

  it('a field mapped to several matches on any of them', () => {
    const d = detection(
      `
        title: Whoami anywhere
        name: whoami_anywhere
        logsource: { product: windows }
        detection:
          sel: { CommandLine|contains: whoami }
          condition: sel
      `,
      {
        'm.pipeline.yaml': `
          name: m
          transformations:
            - type: field_name_mapping
              mapping: { CommandLine: [labels.cmd, text.prompt] }
        `,
      },
      'whoami_anywhere',
    );
    expect(d.reads).toEqual(['labels.cmd', 'text.prompt']);
    expect(d.matches(log({ cmd: 'whoami /all' }))).toBe(true);
    expect(d.matches(makeEvent({ kind: 'llm', text: { prompt: 'run whoami' } }))).toBe(true);
    expect(d.matches(log({ other: 'whoami' }))).toBe(false);
  });

  it('pipelines apply by priority, so a later one sees the names an earlier one gave', () => {
    const rule = `
      title: T
      name: t
      logsource: { product: p }
      detection: { sel: { A: x }, condition: sel }
    `;
    const first = `
      name: first
      priority: 10
      transformations: [{ type: field_name_mapping, mapping: { A: B } }]
    `;
    const second = `
      name: second
      priority: 20
      transformations: [{ type: field_name_mapping, mapping: { B: labels.b } }]
    `;
    // File order is the reverse of priority order: priority decides.
    const d = detection(rule, { 'a.pipeline.yaml': second, 'b.pipeline.yaml': first }, 't');
    expect(d.matches(log({ b: 'x' }))).toBe(true);
    const swapped = build(rule, {
      'a.pipeline.yaml': second.replace('priority: 20', 'priority: 5'),
      'b.pipeline.yaml': first,
    });
    expect(swapped.diagnostics.join('\n')).toContain(
      'maps to no canonical event path; got "B" (renamed from "A" by Pipeline "first" (b.pipeline.yaml) transformation 1)',
    );
  });

  it('prefix mapping, suffix and rule_cond_not', () => {
    const d = detection(
      `
        title: T
        name: t
        logsource: { product: aws }
        detection: { sel: { winlog.user: root, eventName: Stop }, condition: sel }
      `,
      {
        'p.pipeline.yaml': `
          name: p
          transformations:
            - type: field_name_prefix_mapping
              mapping: { winlog.: labels. }
            - type: field_name_suffix
              suffix: _name
              field_name_conditions: [{ type: include_fields, fields: [eventName] }]
            - type: field_name_prefix
              prefix: labels.
              field_name_conditions: [{ type: include_fields, fields: [eventName_name] }]
              rule_conditions: [{ type: logsource, product: windows }]
              rule_cond_not: true
        `,
      },
      't',
    );
    expect(d.reads).toEqual(['labels.eventName_name', 'labels.user']);
    expect(d.matches(log({ user: 'root', eventName_name: 'Stop' }))).toBe(true);
  });

  it('expand takes placeholder values from vars; wildcard_placeholders matches anything', () => {
    const rules = `
      title: Admin box
      name: admin_box
      logsource: { category: login }
      detection:
        sel: { host|expand: '%Admins_Workstations%' }
        other: { user|expand: 'svc-%Team%-*' }
        condition: sel or other
    `;
    const d = detection(
      rules,
      {
        'v.pipeline.yaml': `
          name: v
          vars:
            Admins_Workstations: [ws-01, ws-02]
            Team: [ml, data]
          transformations:
            - type: value_placeholders
        `,
      },
      'admin_box',
    );
    const login = (entity: Record<string, string>) => makeEvent({ kind: 'login', entity });
    expect(d.matches(login({ host: 'ws-02' }))).toBe(true);
    expect(d.matches(login({ host: 'ws-03' }))).toBe(false);
    expect(d.matches(login({ user: 'svc-data-7' }))).toBe(true);
    expect(d.matches(login({ user: 'svc-web-7' }))).toBe(false);

    const wild = detection(
      rules,
      { 'w.pipeline.yaml': 'name: w\ntransformations: [{ type: wildcard_placeholders }]\n' },
      'admin_box',
    );
    expect(wild.matches(login({ host: 'anything' }))).toBe(true);

    const { ruleSet, diagnostics } = build(rules);
    expect(ruleSet).toBeUndefined();
    expect(diagnostics[0]).toMatch(
      /^rules\.yaml:5:23 error CORDON_ERR_RULE_PLACEHOLDER Rule "admin_box" field "host\|expand" expands the placeholder "%Admins_Workstations%", which no processing pipeline gives values/,
    );
  });

  it("rule_failure skips the rules it selects with a warning naming the pipeline's message", () => {
    const { ruleSet, diagnostics } = build(
      `${dedent(WHOAMI)}---\ntitle: Inference\nname: inference\nlogsource: { category: inference }\ndetection: { sel: { api_key|exists: true }, condition: sel }\n`,
      {
        'f.pipeline.yaml': `
          name: no-windows
          transformations:
            - id: refuse
              type: rule_failure
              message: Windows rules need a Windows event source
              rule_conditions: [{ type: logsource, product: windows }]
        `,
      },
    );
    expect([...(ruleSet?.detections.values() ?? [])].map((d) => d.key)).toEqual(['inference']);
    expect(diagnostics).toEqual([
      'rules.yaml:1:1 warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE Rule "whoami_run" is skipped: Pipeline "no-windows" (f.pipeline.yaml) transformation "refuse" refuses it with "Windows rules need a Windows event source". Change that transformation\'s rule_conditions to load it.',
    ]);
  });

  it("a correlation's group-by is renamed as each rule it reads renames its fields", () => {
    const { ruleSet, diagnostics } = build(
      `
        title: Windows logon failure
        name: win_failure
        logsource: { product: windows, service: security }
        detection: { sel: { EventID: 4625 }, condition: sel }
        ---
        title: Login failure
        name: failure
        logsource: { category: login }
        detection: { sel: { outcome: failure }, condition: sel }
        ---
        title: Both
        name: both
        correlation: { type: temporal, rules: [win_failure, failure], group-by: [User], timespan: 1m }
      `,
      {
        'g.pipeline.yaml': `
          name: g
          transformations:
            - type: field_name_prefix
              prefix: labels.
              rule_conditions: [{ type: logsource, product: windows }]
        `,
      },
    );
    expect(diagnostics).toEqual([]);
    expect(ruleSet?.correlations[0]?.inputs.map((i) => i.groupPaths)).toEqual([
      ['labels.User'],
      ['entity.user'],
    ]);
  });

  it('a reference to a rule a pipeline skipped says so, by name or by title', () => {
    const { diagnostics } = build(
      `${dedent(WHOAMI)}---\ntitle: Burst\nname: burst\ncorrelation: { type: event_count, rules: [whoami_run], timespan: 1m, condition: { gte: 2 } }\n`,
      {
        'f.pipeline.yaml':
          'name: f\ntransformations: [{ type: rule_failure, message: no, rule_conditions: [{ type: logsource, product: windows }] }]\n',
      },
    );
    expect(diagnostics.find((d) => d.includes(' error '))).toContain(
      'correlation rules names "whoami_run", which Pipeline "f" (f.pipeline.yaml) transformation 1 (rule_failure) skips',
    );
    const byTitle = build(
      `${dedent(WHOAMI).replace('name: whoami_run\n', '')}---\ntitle: Burst\nname: burst\ncorrelation: { type: event_count, rules: [whoami_run], timespan: 1m, condition: { gte: 2 } }\n`,
      {
        'f.pipeline.yaml':
          'name: f\ntransformations: [{ type: rule_failure, message: no, rule_conditions: [{ type: logsource, product: windows }] }]\n',
      },
    );
    expect(byTitle.diagnostics.find((d) => d.includes(' error '))).toContain(
      'names "whoami_run", which Pipeline "f" (f.pipeline.yaml) transformation 1 (rule_failure) skips',
    );
  });

  it('expand: a var ending in a backslash stays a backslash, and \\% is a plain percent sign, as in pySigma', () => {
    const rules = `
      title: Temp exe
      name: temp_exe
      logsource: { category: log }
      detection:
        sel: { labels.path|expand: ['C:\\Users\\%user%\\x.exe', '%dir%*.dll', '%home%\\%user%'] }
        condition: sel
    `;
    const d = detection(
      rules,
      {
        'a.pipeline.yaml': `
          name: a
          vars: { dir: 'C:\\Temp\\', home: /home }
          transformations: [{ type: value_placeholders, include: [dir, home] }]
        `,
        'b.pipeline.yaml': 'name: b\ntransformations: [{ type: wildcard_placeholders }]\n',
      },
      'temp_exe',
    );
    const at = (path: string) => makeEvent({ kind: 'log', labels: { path } });
    // "\\%user%" is no placeholder: the text "%user%" after the backslash, as written.
    expect(d.matches(at('C:\\Users%user%\\x.exe'))).toBe(true);
    expect(d.matches(at('C:\\Users\\bob\\x.exe'))).toBe(false);
    expect(d.matches(at('C:\\Temp\\evil.dll'))).toBe(true);
    expect(d.matches(at('C:\\Tempevil.dll'))).toBe(false);
    expect(d.matches(at('/home%user%'))).toBe(true);
  });

  it('processing_item_applied must name an earlier renaming item', () => {
    const { ruleSet, diagnostics } = build(WHOAMI, {
      'w.pipeline.yaml': `
        name: w
        transformations:
          - id: field_mapping
            type: field_name_mapping
            mapping: { Image: labels.image }
          - type: field_name_prefix
            prefix: labels.
            field_name_cond_not: true
            field_name_conditions:
              - { type: processing_item_applied, processing_item_id: field_maping }
      `,
    });
    expect(ruleSet).toBeUndefined();
    expect(diagnostics.find((d) => d.includes(' error '))).toMatch(
      /^w\.pipeline\.yaml:10:62 error CORDON_ERR_DEFINITION_VALUE Pipeline "w" \(w\.pipeline\.yaml\) transformation 2 has a processing_item_applied condition on "field_maping", which names no item before it that renames fields/,
    );
  });

  it('vars merge across pipelines; an item that handles a name with no var, or include with exclude, is refused', () => {
    const rules = `
      title: T
      name: t
      logsource: { category: login }
      detection: { sel: { host|expand: '%admins%' }, condition: sel }
    `;
    const d = detection(
      rules,
      {
        'a.pipeline.yaml': 'name: a\nvars: { admins: [ws-1] }\ntransformations: []\n',
        'b.pipeline.yaml': 'name: b\ntransformations: [{ type: value_placeholders }]\n',
      },
      't',
    );
    expect(d.matches(makeEvent({ kind: 'login', entity: { host: 'ws-1' } }))).toBe(true);
    const missing = build(rules, {
      'b.pipeline.yaml':
        'name: b\ntransformations: [{ type: value_placeholders }, { type: wildcard_placeholders }]\n',
    });
    expect(missing.diagnostics.join('\n')).toContain(
      'expands the placeholder "%admins%", which Pipeline "b" (b.pipeline.yaml) transformation 1 handles but no pipeline\'s vars define',
    );
    const both = build(rules, {
      'b.pipeline.yaml':
        'name: b\ntransformations: [{ type: value_placeholders, include: [a], exclude: [b] }]\n',
    });
    expect(both.diagnostics.join('\n')).toContain('has both include and exclude');
  });

  it('an empty pipeline file is refused', () => {
    const { ruleSet, diagnostics } = build(WHOAMI, { 'e.pipeline.yaml': '' });
    expect(ruleSet).toBeUndefined();
    expect(diagnostics[0]).toContain(
      'e.pipeline.yaml:1:1 error CORDON_ERR_YAML_NOT_MAPPING Pipeline file e.pipeline.yaml is empty',
    );
  });

  it('processing_item_applied: fields no mapping took are read from labels (the usual pySigma pattern)', () => {
    const d = detection(
      `
        title: Admin whoami
        name: admin_whoami
        logsource: { product: windows, category: process_creation }
        detection: { sel: { User: admin, Image|endswith: whoami.exe }, condition: sel }
      `,
      {
        'w.pipeline.yaml': `
          name: w
          transformations:
            - id: field_mapping
              type: field_name_mapping
              mapping: { User: entity.user }
            - id: rest_under_labels
              type: field_name_prefix
              prefix: labels.
              field_name_cond_not: true
              field_name_conditions:
                - { type: processing_item_applied, processing_item_id: field_mapping }
            - type: change_logsource
              category: log
        `,
      },
      'admin_whoami',
    );
    expect(d.reads).toEqual(['entity.user', 'labels.Image']);
    expect(
      d.matches(
        makeEvent({ kind: 'log', entity: { user: 'admin' }, labels: { Image: 'C:\\whoami.exe' } }),
      ),
    ).toBe(true);
  });

  it('warns about a keyword rule for another product with no category, unless a pipeline gives it one', () => {
    const rule = `
      title: Pwnkit
      name: pwnkit
      logsource: { product: linux }
      detection:
        keywords: ['pkexec', 'The value for environment variable XAUTHORITY contains suscipious content']
        condition: keywords
    `;
    const { ruleSet, diagnostics } = build(rule);
    expect(ruleSet?.detections.size).toBe(1);
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^rules\.yaml:3:23 warning CORDON_WARN_RULE_EVERY_KIND Rule "pwnkit" searches keywords in every event kind, LLM prompts and responses included, though its logsource names product "linux" and no category/,
      ),
    ]);
    expect(
      build(rule.replace('{ product: linux }', '{ product: linux, category: log }')).diagnostics,
    ).toEqual([]);
    const mapped = build(rule, {
      'l.pipeline.yaml':
        'name: l\ntransformations: [{ type: change_logsource, category: log, rule_conditions: [{ type: logsource, product: linux }] }]\n',
    });
    expect(mapped.diagnostics).toEqual([]);
    expect([...(mapped.ruleSet?.detections.values() ?? [])][0]?.eventKind).toBe('log');
  });

  it('rule conditions by tag, and on detection or correlation rules', () => {
    const { ruleSet, diagnostics } = build(
      `
        title: Tagged
        name: tagged
        tags: [attack.t1059]
        logsource: { category: log }
        detection: { sel: { Cmd: x }, condition: sel }
        ---
        title: Untagged
        name: untagged
        logsource: { category: log }
        detection: { sel: { Cmd: x }, condition: sel }
        ---
        title: Many
        name: many
        correlation: { type: event_count, rules: [untagged], group-by: [Cmd], timespan: 1m, condition: { gte: 2 } }
      `,
      {
        't.pipeline.yaml': `
          name: t
          transformations:
            - type: field_name_prefix
              prefix: labels.tagged_
              rule_conditions: [{ type: tag, tag: attack.t1059 }]
            - type: field_name_prefix
              prefix: labels.
              rule_conditions: [{ type: is_sigma_rule }]
            - type: rule_failure
              message: correlations are not wanted here
              rule_conditions: [{ type: is_sigma_correlation_rule }]
        `,
      },
    );
    expect([...(ruleSet?.detections.values() ?? [])].map((d) => [d.key, d.reads])).toEqual([
      ['tagged', ['labels.labels.tagged_Cmd']],
      ['untagged', ['labels.Cmd']],
    ]);
    expect(ruleSet?.correlations).toEqual([]);
    expect(diagnostics.join('\n')).toContain(
      'Rule "many" is skipped: Pipeline "t" (t.pipeline.yaml) transformation 3 refuses it',
    );
  });

  it('a correlation stays a correlation after a change_logsource, and logsource conditions leave it alone', () => {
    const rules = `
      title: Failure
      name: failure
      logsource: { category: login }
      detection: { sel: { outcome: failure }, condition: sel }
      ---
      title: Many
      name: many
      correlation: { type: event_count, rules: [failure], timespan: 1m, condition: { gte: 2 } }
    `;
    const keys = (pipeline: string) => {
      const { ruleSet } = build(rules, { 'p.pipeline.yaml': pipeline });
      return [
        ...[...(ruleSet?.detections.values() ?? [])].map((d) => d.key),
        ...(ruleSet?.correlations ?? []).map((c) => c.key),
      ];
    };
    const failOn = (condition: string) =>
      `name: p\ntransformations:\n  - { type: change_logsource, product: x }\n  - { type: rule_failure, message: no, rule_conditions: [${condition}] }\n`;
    expect(keys(failOn('{ type: is_sigma_correlation_rule }'))).toEqual(['failure']);
    const skipped = build(rules, {
      'p.pipeline.yaml': failOn('{ type: is_sigma_rule }'),
    }).diagnostics.flatMap((d) => /Rule "(\w+)" is skipped/.exec(d)?.[1] ?? []);
    expect(skipped).toEqual(['failure']);
    // "Refuse all but login rules" refuses no correlation: pySigma would decide that on the
    // rules it reads, and Cordon renames a correlation's fields through them.
    expect(
      keys(
        'name: p\ntransformations: [{ type: rule_failure, message: no, rule_conditions: [{ type: logsource, category: login }], rule_cond_not: true }]\n',
      ),
    ).toEqual(['failure', 'many']);
    const untagged = build(rules, {
      'p.pipeline.yaml':
        'name: p\ntransformations: [{ type: rule_failure, message: no, rule_conditions: [{ type: tag, tag: t1059 }] }]\n',
    });
    expect(untagged.diagnostics.join('\n')).toContain(
      'tag condition needs "tag", a tag with its namespace that a rule must carry; got "t1059"',
    );
  });

  it('an item with errors is left out of its pipeline, the others still apply, so only its errors show', () => {
    const { ruleSet, diagnostics } = build(WHOAMI, {
      'p.pipeline.yaml': `
        name: p
        transformations:
          - type: add_condition
            conditions: { EventID|contians: 1 }
          - type: field_name_prefix
            prefix: labels.
          - type: change_logsource
            category: log
      `,
    });
    expect(ruleSet).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^p\.pipeline\.yaml:4:19 error CORDON_ERR_RULE_MODIFIER Pipeline "p" transformation 1 \(add_condition\) conditions field "EventID" uses unknown modifier "contians"/,
      ),
    ]);
  });

  it('add_condition ANDs a search to the rules it selects, renamed only by the items after it', () => {
    const sysmon = (first: string, second: string) => ({
      's.pipeline.yaml': `name: sysmon\ntransformations:\n${first}\n${second}\n  - type: change_logsource\n    category: log\n`,
    });
    const addEventId =
      '  - type: add_condition\n    conditions: { EventID: 1 }\n    rule_conditions: [{ type: logsource, category: process_creation }]';
    const prefix = '  - type: field_name_prefix\n    prefix: labels.';
    const d = detection(WHOAMI, sysmon(addEventId, prefix), 'whoami_run');
    const hit = { Image: 'C:\\Windows\\whoami.exe', ParentImage: 'C:\\Windows\\cmd.exe' };
    expect(d.reads).toEqual(['labels.EventID', 'labels.Image', 'labels.ParentImage']);
    expect(d.matches(log({ ...hit, EventID: '1' }))).toBe(true);
    expect(d.matches(log({ ...hit, EventID: '13' }))).toBe(false);
    // The prefix before it does not rename the condition's (already canonical) field.
    const before = detection(
      WHOAMI,
      sysmon(prefix, addEventId.replace('EventID', 'labels.EventID')),
      'whoami_run',
    );
    expect(before.reads).toEqual(['labels.EventID', 'labels.Image', 'labels.ParentImage']);
    expect(before.matches(log({ ...hit, EventID: '1' }))).toBe(true);
    const negated = detection(
      WHOAMI,
      sysmon(addEventId.replace('conditions:', 'negated: true\n    conditions:'), prefix),
      'whoami_run',
    );
    expect(negated.matches(log({ ...hit, EventID: '1' }))).toBe(false);
    expect(negated.matches(log({ ...hit, EventID: '13' }))).toBe(true);
    const templated = detection(
      WHOAMI,
      sysmon(
        '  - type: add_condition\n    template: true\n    conditions: { sigma_category: $category, sigma_product: "${product}" }',
        prefix,
      ),
      'whoami_run',
    );
    expect(
      templated.matches(
        log({ ...hit, sigma_category: 'process_creation', sigma_product: 'windows' }),
      ),
    ).toBe(true);
    expect(
      templated.matches(log({ ...hit, sigma_category: 'file_event', sigma_product: 'windows' })),
    ).toBe(false);
    // As Python's string.Template: a logsource part the rule lacks is "None"; $$ is a $.
    const none = detection(
      WHOAMI,
      sysmon(
        '  - type: add_condition\n    template: true\n    conditions: { sigma_service: $service, cost: "$$5" }',
        prefix,
      ),
      'whoami_run',
    );
    expect(none.matches(log({ ...hit, sigma_service: 'None', cost: '$5' }))).toBe(true);
    expect(none.matches(log({ ...hit, sigma_service: '', cost: '$5' }))).toBe(false);
  });

  it('reports every problem in a pipeline file with its location, not-implemented apart from unknown', () => {
    const { ruleSet, diagnostics } = build(
      `
        title: T
        name: t
        logsource: { category: login }
        detection: { sel: { user: x }, condition: sel }
      `,
      {
        'bad.pipeline.yaml': `
          name: bad
          priority: high
          postprocessing: [{ type: template }]
          transformations:
            - type: field_name_maping
              mapping: { A: b }
            - type: extract_fields
              field: a
            - type: field_name_mapping
              mapping: { A: [] }
              rule_cond_expr: a and b
            - type: change_logsource
              rule_conditions: [{ type: contains_field, field: 3 }]
            - type: add_condition
              conditions: { EventID|contians: 1 }
            - type: value_placeholders
              field_name_conditions: [{ type: include_fields, fields: [a] }]
              colour: blue
        `,
      },
    );
    expect(ruleSet).toBeUndefined();
    expect(diagnostics).toEqual([
      'bad.pipeline.yaml:2:11 error CORDON_ERR_DEFINITION_TYPE Pipeline "bad" priority must be a number (lower applies first); got "high". (at priority)',
      'bad.pipeline.yaml:3:1 warning CORDON_WARN_PIPELINE_IGNORED Pipeline "bad" has "postprocessing", which shapes a backend\'s query; Cordon evaluates rules without building one, so it is ignored. Remove it to silence this. (at postprocessing)',
      expect.stringMatching(
        /^bad\.pipeline\.yaml:5:11 error CORDON_ERR_DEFINITION_VALUE Pipeline "bad" transformation 1 \(field_name_maping\) needs a transformation type; got "field_name_maping"\. Did you mean "field_name_mapping"\?/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:7:11 error CORDON_ERR_PIPELINE_UNSUPPORTED Pipeline "bad" transformation 2 \(extract_fields\) is of type "extract_fields", which Cordon does not implement yet\./,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:10:19 error CORDON_ERR_DEFINITION_TYPE .*\(field_name_mapping\) maps "A" to an empty list; a field maps to a name or a non-empty list of names\./,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:11:21 error CORDON_ERR_DEFINITION_REQUIRED .*\(field_name_mapping\) rule_cond_expr needs "rule_conditions" as a mapping of names to conditions/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:12:5 error CORDON_ERR_DEFINITION_REQUIRED .*\(change_logsource\) changes nothing/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:13:54 error CORDON_ERR_DEFINITION_TYPE .*\(change_logsource\) contains_field needs "field", the field name a detection item of the rule must have \(as the items before this one left it\); got 3\./,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:15:19 error CORDON_ERR_RULE_MODIFIER Pipeline "bad" transformation 5 \(add_condition\) conditions field "EventID" uses unknown modifier "contians"/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:17:5 error CORDON_ERR_PIPELINE_UNSUPPORTED .*\(value_placeholders\) has field_name_conditions, which Cordon implements only for the transformations that rename fields or act on detection items\./,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:18:5 error CORDON_ERR_DEFINITION_UNKNOWN_KEY .* has unknown key "colour"\./,
      ),
    ]);
  });

  it('the example pipeline for SigmaHQ leaves the shipped pack exactly as it is', async () => {
    const pack = await loadRuleSources('correlations');
    const example = await loadRuleSources('docs/pipelines');
    expect(example.map((e) => e.file)).toEqual(['docs/pipelines/sigmahq-labels.pipeline.yaml']);
    const shape = (sources: typeof pack) => {
      const { ruleSet, diagnostics } = buildRuleSet(sources);
      expect(diagnostics).toEqual([]);
      return {
        detections: [...(ruleSet?.detections.values() ?? [])].map((d) => [
          d.key,
          d.eventKind,
          d.reads,
          d.stateVersion,
        ]),
        correlations: ruleSet?.correlations.map((c) => [c.key, c.stateVersion, c.inputs]),
      };
    };
    expect(shape([...pack, ...example])).toEqual(shape(pack));
  });
});
