import { describe, expect, it } from 'vitest';
import { build, detection, log, pipeline, rule } from './pipeline-helpers.js';

/**
 * pySigma's pipeline state (set_state, processing_state conditions on rules, fields and
 * detection items) and processing_item_applied on rules: what pySigma's ProcessingPipeline.apply
 * does for each rule (state started afresh, items in order, every selecting item marking it).
 */
const windowsRule = (name: string, product: string) => `
title: ${name}
name: ${name}
logsource: { category: log, product: ${product} }
detection: { sel: { A: a }, condition: sel }
`;

/** What `A: a` of rule `name` became: the value the event must carry for it to match. */
function valueOf(rules: string, items: string, name: string, candidates: readonly string[]) {
  const d = detection(rules, pipeline(items), name);
  return candidates.filter((v) => d.matches(log({ A: v })));
}

describe('pipeline state and rule-level processing_item_applied', () => {
  it('processing_state on rules reads what set_state items selected earlier gave, per rule', () => {
    const rules = `${windowsRule('w', 'windows')}\n---\n${windowsRule('l', 'linux')}`;
    const items = `
      - type: set_state
        key: os
        val: win
        rule_conditions: [{ type: logsource, product: windows }]
      - type: set_state
        key: depth
        val: 3
      - type: set_value
        value: from-state
        rule_conditions: [{ type: processing_state, key: os, val: win }]
      - type: set_value
        value: not-win
        rule_conditions: [{ type: processing_state, key: os, val: win, op: ne }]
    `;
    // The Windows rule got os=win; the Linux rule has no os key, so neither eq nor ne holds.
    expect(valueOf(rules, items, 'w', ['a', 'from-state', 'not-win'])).toEqual(['from-state']);
    expect(valueOf(rules, items, 'l', ['a', 'from-state', 'not-win'])).toEqual(['a']);
  });

  it('compares numbers, strings and booleans as pySigma does; a later set_state replaces the value', () => {
    const selectIf = (condition: string) => `
      - type: set_state
        key: n
        val: 3
      - type: set_state
        key: s
        val: beta
      - type: set_state
        key: b
        val: true
      - type: set_value
        value: hit
        rule_conditions: [${condition}]
    `;
    const hit = (condition: string) =>
      valueOf(rule('sel: { A: a }\ncondition: sel'), selectIf(condition), 't', ['hit']).length ===
      1;
    expect(hit('{ type: processing_state, key: n, val: 3 }')).toBe(true);
    expect(hit('{ type: processing_state, key: n, val: 3.0 }')).toBe(true);
    expect(hit('{ type: processing_state, key: n, val: 2, op: gt }')).toBe(true);
    expect(hit('{ type: processing_state, key: n, val: 3, op: lt }')).toBe(false);
    expect(hit('{ type: processing_state, key: n, val: 3, op: lte }')).toBe(true);
    expect(hit("{ type: processing_state, key: n, val: '3' }")).toBe(false);
    expect(hit("{ type: processing_state, key: n, val: '3', op: ne }")).toBe(true);
    expect(hit("{ type: processing_state, key: n, val: '3', op: gte }")).toBe(false);
    expect(hit('{ type: processing_state, key: s, val: alpha, op: gt }')).toBe(true);
    expect(hit('{ type: processing_state, key: s, val: gamma, op: gte }')).toBe(false);
    expect(hit('{ type: processing_state, key: b, val: true }')).toBe(true);
    expect(hit('{ type: processing_state, key: b, val: 1 }')).toBe(true);
    expect(hit('{ type: processing_state, key: b, val: false }')).toBe(false);
    expect(hit('{ type: processing_state, key: missing, val: 1, op: ne }')).toBe(false);

    const replaced = `
      - type: set_state
        key: n
        val: 1
      - type: set_state
        key: n
        val: 2
      - type: set_value
        value: hit
        rule_conditions: [{ type: processing_state, key: n, val: 2 }]
    `;
    expect(valueOf(rule('sel: { A: a }\ncondition: sel'), replaced, 't', ['a', 'hit'])).toEqual([
      'hit',
    ]);
  });

  it('field and detection-item processing_state conditions read the state where their item comes', () => {
    const d = detection(
      rule('sel: { A: a, B: b }\ncondition: sel'),
      pipeline(`
        - type: replace_string
          regex: '^a$'
          replacement: too-early
          detection_item_conditions: [{ type: processing_state, key: mode, val: on }]
        - type: field_name_mapping
          mapping: { A: early }
          field_name_conditions: [{ type: processing_state, key: mode, val: on }]
        - type: set_state
          key: mode
          val: on
        - type: field_name_mapping
          mapping: { B: late }
          field_name_conditions: [{ type: processing_state, key: mode, val: on }]
        - type: replace_string
          regex: '^b$'
          replacement: bee
          detection_item_conditions: [{ type: processing_state, key: mode, val: on }]
      `),
    );
    // The first mapping and the first rewrite came before the state was set: A stays A, a.
    expect(d.reads).toEqual(['labels.A', 'labels.late']);
    expect(d.matches(log({ A: 'a', late: 'bee' }))).toBe(true);
    expect(d.matches(log({ A: 'a', late: 'b' }))).toBe(false);
    expect(d.matches(log({ A: 'too-early', late: 'bee' }))).toBe(false);
  });

  it('an added condition goes through the renames after it, each with the state it stands in', () => {
    const d = detection(
      rule('sel: { A: a }\ncondition: sel'),
      pipeline(`
        - type: add_condition
          conditions: { C: c }
        - type: field_name_mapping
          mapping: { C: early }
          field_name_conditions: [{ type: processing_state, key: mode, val: on }]
        - type: set_state
          key: mode
          val: on
        - type: field_name_mapping
          mapping: { C: late }
          field_name_conditions: [{ type: processing_state, key: mode, val: on }]
      `),
    );
    expect(d.reads).toEqual(['labels.A', 'labels.late']);
    expect(d.matches(log({ A: 'a', late: 'c' }))).toBe(true);
    expect(d.matches(log({ A: 'a', early: 'c' }))).toBe(false);
  });

  it('orders strings by code point, as Python does', () => {
    const items = (op: string) => `
      - type: set_state
        key: s
        val: "\\U00010000"
      - type: set_value
        value: hit
        rule_conditions: [{ type: processing_state, key: s, val: "\\uE000", op: ${op} }]
    `;
    const r = rule('sel: { A: a }\ncondition: sel');
    expect(valueOf(r, items('gt'), 't', ['a', 'hit'])).toEqual(['hit']);
    expect(valueOf(r, items('lt'), 't', ['a', 'hit'])).toEqual(['a']);
  });

  it('on correlations: state and applied ids select them; add_condition leaves them unmarked', () => {
    const rules = `
      title: Failure
      name: failure
      logsource: { category: login }
      detection: { sel: { User: x }, condition: sel }
      ---
      title: Burst
      name: burst
      correlation: { type: event_count, rules: [failure], group-by: [User], timespan: 1m, condition: { gte: 2 } }
    `;
    const run = (items: string) =>
      build(rules, { 'c.pipeline.yaml': `name: c\ntransformations:\n${items}` });
    // The group-by is renamed as the rule it reads renames its field, under that rule's state.
    const renamed = run(`
      - type: set_state
        key: idp
        val: okta
        rule_conditions: [{ type: is_sigma_rule }]
      - type: field_name_mapping
        mapping: { User: entity.user }
        field_name_conditions: [{ type: processing_state, key: idp, val: okta }]
    `);
    expect(renamed.diagnostics).toEqual([]);
    expect(renamed.ruleSet?.correlations[0]?.inputs.map((i) => i.groupPaths)).toEqual([
      ['entity.user'],
    ]);
    // A rename before the state was set does not see it, for the group-by either.
    const ordered = run(`
      - type: field_name_mapping
        mapping: { User: labels.early }
        field_name_conditions: [{ type: processing_state, key: mode, val: on }]
      - type: set_state
        key: mode
        val: on
      - type: field_name_mapping
        mapping: { User: labels.late }
        field_name_conditions: [{ type: processing_state, key: mode, val: on }]
    `);
    expect(ordered.diagnostics).toEqual([]);
    expect(ordered.ruleSet?.correlations[0]?.inputs.map((i) => i.groupPaths)).toEqual([
      ['labels.late'],
    ]);
    const isSkipped = (items: string, select: string) =>
      run(`
      - type: field_name_mapping
        mapping: { User: entity.user }
      ${items}
      - type: rule_failure
        message: not here
        rule_conditions: [{ type: is_sigma_correlation_rule }, ${select}]
    `).diagnostics.some((d) => d.includes('Rule "burst" is skipped'));
    const setOnCorrelations = `- type: set_state
        key: scope
        val: corr
        rule_conditions: [{ type: is_sigma_correlation_rule }]`;
    expect(isSkipped(setOnCorrelations, '{ type: processing_state, key: scope, val: corr }')).toBe(
      true,
    );
    expect(isSkipped(setOnCorrelations, '{ type: processing_state, key: scope, val: other }')).toBe(
      false,
    );
    const marking = `- id: marker
        type: set_state
        key: k
        val: 1`;
    expect(
      isSkipped(marking, '{ type: processing_item_applied, processing_item_id: marker }'),
    ).toBe(true);
    // pySigma's add_condition does nothing to a correlation, and does not mark it.
    const adding = `- id: adding
        type: add_condition
        conditions: { User: y }`;
    expect(isSkipped(adding, '{ type: processing_item_applied, processing_item_id: adding }')).toBe(
      false,
    );
  });

  it('processing_item_applied on a rule holds once that item selected the rule, whatever it did', () => {
    const rules = `${windowsRule('w', 'windows')}\n---\n${windowsRule('l', 'linux')}`;
    const items = `
      - id: windows_only
        type: set_state
        key: seen
        val: 1
        rule_conditions: [{ type: logsource, product: windows }]
      - type: set_value
        value: applied
        rule_conditions: [{ type: processing_item_applied, processing_item_id: windows_only }]
      - type: set_value
        value: other
        rule_cond_not: true
        rule_conditions: [{ type: processing_item_applied, processing_item_id: windows_only }]
    `;
    expect(valueOf(rules, items, 'w', ['a', 'applied', 'other'])).toEqual(['applied']);
    expect(valueOf(rules, items, 'l', ['a', 'applied', 'other'])).toEqual(['other']);
  });

  it('reports bad state items and conditions where they are written', () => {
    const { ruleSet, diagnostics } = build(rule('sel: { labels.a: a }\ncondition: sel'), {
      'bad.pipeline.yaml': `
        name: bad
        transformations:
          - type: set_state
            key: ''
            val: [1]
          - type: set_value
            value: x
            rule_conditions: [{ type: processing_state, key: k, val: v, op: in }]
          - type: set_value
            value: x
            field_name_conditions: [{ type: processing_state, key: k }]
          - type: set_value
            value: x
            detection_item_conditions: [{ type: processing_state, key: k, val: 1, colour: red }]
          - type: set_value
            value: x
            rule_conditions: [{ type: processing_item_applied, processing_item_id: later }]
          - id: later
            type: set_state
            key: k
            val: v
          - type: set_value
            value: x
            rule_conditions: [{ type: processing_state, key: k, val: v, op: null }]
          - id: broken
            type: set_state
            key: k
          - type: set_value
            value: x
            rule_conditions: [{ type: processing_item_applied, processing_item_id: broken }]
          - type: field_name_prefix
            prefix: x.
            field_name_conditions: [{ type: processing_item_applied, processing_item_id: later, extra: 1 }]
      `,
    });
    expect(ruleSet).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^bad\.pipeline\.yaml:4:10 error CORDON_ERR_DEFINITION_TYPE Pipeline "bad" transformation 1 \(set_state\) needs "key", the name of the state key it sets; got ""/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:5:10 error CORDON_ERR_DEFINITION_TYPE .*\(set_state\) needs "val", the string, number or boolean it gives the key/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:8:69 error CORDON_ERR_DEFINITION_VALUE .* processing_state op must be one of eq, ne, gte, gt, lte, lt; got "in"\./,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:11:29 error CORDON_ERR_DEFINITION_REQUIRED .* processing_state needs "val", a string, number or boolean to compare state key "k" with; got undefined/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:14:75 error CORDON_ERR_DEFINITION_UNKNOWN_KEY .* processing_state condition has unknown key "colour"\./,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:17:76 error CORDON_ERR_DEFINITION_VALUE Pipeline "bad" \(bad\.pipeline\.yaml\) transformation 5 has a rule condition processing_item_applied on "later", which names no item before it/,
      ),
      expect.stringMatching(/ processing_state op must be one of .*; got null\./),
      // The broken item is reported once, not again where a condition names it.
      expect.stringMatching(/transformation "broken" \(set_state\) needs "val"/),
      expect.stringMatching(/processing_item_applied condition has unknown key "extra"\./),
    ]);
  });
});
