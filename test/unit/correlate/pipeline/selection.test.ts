import { describe, expect, it } from 'vitest';
import { dedent } from '../helpers.js';
import { build, detection, log, pipeline, rule } from './pipeline-helpers.js';

/** Rule `t` (A: a) with these top-level keys besides. */
const ruleWith = (keys: string) =>
  rule('sel: { A: a }\ncondition: sel').replace('name: t\n', `name: t\n${keys}\n`);

/** Whether an item with these selection keys applies to the rule: it makes A's value "b". */
function applies(rules: string, selection: string): boolean {
  const { ruleSet, diagnostics } = build(rules, {
    'p.pipeline.yaml': pipeline(
      `- type: set_value\n  value: b\n${dedent(selection)
        .trim()
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}`,
    ),
  });
  // Custom attributes are warned about as keys Cordon does not use; nothing else may be said.
  expect(diagnostics.filter((d) => !d.includes('CORDON_WARN_RULE_UNUSED'))).toEqual([]);
  const d = [...(ruleSet?.detections.values() ?? [])].find((x) => x.key === 't');
  if (!d) throw new Error('no detection t');
  return d.matches(log({ A: 'b' }));
}

describe('pipeline item selection: condition expressions and rule attributes', () => {
  it('rule_cond_expr combines named rule conditions with and, or, not and parentheses', () => {
    const expr = `
      rule_conditions:
        win: { type: logsource, product: windows }
        high: { type: rule_attribute, attribute: level, op: gte, value: high }
        old: { type: rule_attribute, attribute: status, value: deprecated }
      rule_cond_expr: win and (high or not old)
    `;
    const withKeys = (keys: string) =>
      ruleWith(keys).replace(
        'logsource: { category: log }',
        'logsource: { category: log, product: windows }',
      );
    expect(applies(withKeys('level: critical\nstatus: deprecated'), expr)).toBe(true);
    expect(applies(withKeys('level: medium\nstatus: stable'), expr)).toBe(true);
    expect(applies(withKeys('level: medium\nstatus: deprecated'), expr)).toBe(false);
    expect(applies(ruleWith('level: critical'), expr)).toBe(false);
  });

  it('rule_attribute compares levels and statuses by rank, dates as dates, lists by membership, strings for equality', () => {
    const attr = (attribute: string, op: string, value: string) =>
      `rule_conditions: [{ type: rule_attribute, attribute: ${attribute}, op: ${op}, value: '${value}' }]`;
    expect(applies(ruleWith('level: high'), attr('level', 'gt', 'medium'))).toBe(true);
    expect(applies(ruleWith('level: low'), attr('level', 'gt', 'medium'))).toBe(false);
    expect(applies(ruleWith('status: test'), attr('status', 'lt', 'stable'))).toBe(true);
    expect(applies(ruleWith('date: 2023/04/01'), attr('date', 'lt', '2024-01-01'))).toBe(true);
    expect(applies(ruleWith('date: 2024-06-01'), attr('date', 'lt', '2024-01-01'))).toBe(false);
    expect(applies(ruleWith('tags: [attack.t1059]'), attr('tags', 'in', 'attack.t1059'))).toBe(
      true,
    );
    expect(applies(ruleWith('tags: [attack.t1059]'), attr('tags', 'not_in', 'attack.t1059'))).toBe(
      false,
    );
    expect(applies(ruleWith('author: Jane'), attr('author', 'eq', 'Jane'))).toBe(true);
    expect(applies(ruleWith('author: Jane'), attr('author', 'ne', 'Jane'))).toBe(false);
    // A string has no order; a rule without the attribute is never selected.
    expect(applies(ruleWith('author: Jane'), attr('author', 'gt', 'A'))).toBe(false);
    expect(applies(ruleWith('team: ml'), attr('team', 'eq', 'ml'))).toBe(true);
    expect(applies(ruleWith(''), attr('team', 'eq', 'ml'))).toBe(false);
  });

  it('field_name_cond_expr and detection_item_cond_expr select fields and items', () => {
    const rules = rule(`
      sel:
        A: a
        B: C:\\x
        C: c
      condition: sel
    `);
    const d = detection(
      rules,
      pipeline(`
        - type: set_value
          value: z
          field_name_conditions:
            a: { type: include_fields, fields: [A, B] }
            b: { type: include_fields, fields: [B] }
          field_name_cond_expr: a and not b
        - type: set_value
          value: y
          detection_item_conditions:
            drive: { type: match_string, cond: any, pattern: '^C:' }
            cee: { type: match_value, value: c, cond: any }
          detection_item_cond_expr: drive or cee
      `),
    );
    expect(d.matches(log({ A: 'z', B: 'y', C: 'y' }))).toBe(true);
    expect(d.matches(log({ A: 'a', B: 'y', C: 'y' }))).toBe(false);
    expect(d.matches(log({ A: 'z', B: 'C:\\x', C: 'y' }))).toBe(false);
  });

  it('include_fields and exclude_fields with mode: re match Python patterns at a name’s start', () => {
    const rules = rule(`
      sel:
        Image: a
        ImageLoaded: b
        ParentImage: c
      condition: sel
    `);
    const d = detection(
      rules,
      pipeline(`
        - type: set_value
          value: z
          field_name_conditions: [{ type: include_fields, mode: re, fields: ['Image'] }]
        - type: set_value
          value: y
          field_name_conditions: [{ type: exclude_fields, mode: re, fields: ['Im', '.*Loaded$'] }]
      `),
    );
    // 'Image' matches Image and ImageLoaded at their start (re.match), not ParentImage.
    expect(d.matches(log({ Image: 'z', ImageLoaded: 'z', ParentImage: 'y' }))).toBe(true);
    expect(d.matches(log({ Image: 'z', ImageLoaded: 'b', ParentImage: 'y' }))).toBe(false);
    expect(d.matches(log({ Image: 'z', ImageLoaded: 'z', ParentImage: 'c' }))).toBe(false);
    // In plain mode a pattern is a name like any other.
    const plain = detection(
      rules,
      pipeline(`
        - type: set_value
          value: z
          field_name_conditions: [{ type: include_fields, mode: plain, fields: ['Image.*'] }]
      `),
    );
    expect(plain.matches(log({ Image: 'a', ImageLoaded: 'b', ParentImage: 'c' }))).toBe(true);

    const { diagnostics } = build(rules, {
      'p.pipeline.yaml': pipeline(`
        - type: set_value
          value: z
          field_name_conditions:
            - { type: include_fields, mode: regex, fields: [A] }
            - { type: include_fields, mode: re, fields: ['(?P<x'] }
            - { type: exclude_fields, feilds: [A] }
      `),
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /error CORDON_ERR_DEFINITION_VALUE .*include_fields mode must be "plain" \(names\) or "re"/,
      ),
      expect.stringMatching(
        /error CORDON_ERR_DEFINITION_VALUE .*include_fields field pattern is not a regular expression Cordon can run/,
      ),
      expect.stringMatching(
        /error CORDON_ERR_DEFINITION_UNKNOWN_KEY .*exclude_fields condition has unknown key "feilds"/,
      ),
    ]);
  });

  it('reports an expression with an unknown name at its column, and expressions used wrongly', () => {
    const { diagnostics } = build(rule('sel: { labels.a: a }\ncondition: sel'), {
      'p.pipeline.yaml': `
        name: p
        transformations:
          - type: set_value
            value: b
            rule_conditions:
              win: { type: logsource, product: windows }
            rule_cond_expr: win and lin
          - type: set_value
            value: b
            rule_conditions: [{ type: logsource, product: windows }]
            rule_cond_expr: win
          - type: set_value
            value: b
            field_name_conditions:
              a: { type: include_fields, fields: [A] }
            field_name_cond_op: or
            field_name_cond_expr: a
          - type: set_value
            value: b
            detection_item_conditions:
              a: { type: is_null, cond: any }
              b.c: { type: is_null, cond: all }
            detection_item_cond_expr: a
          - type: set_value
            value: b
            rule_conditions:
              w: { type: logsource, product: windows }
            rule_cond_expr: w and (w
          - type: set_value
            value: b
            rule_conditions: [{ type: rule_attribute, attribute: level, op: gte, value: severe }]
      `,
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^p\.pipeline\.yaml:7:29 error CORDON_ERR_DEFINITION_VALUE .*transformation 1 \(set_value\) rule_cond_expr names "lin", which is not one of its conditions \(win\) at character 9/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:10:22 error CORDON_ERR_DEFINITION_TYPE .*transformation 2 \(set_value\) rule_cond_expr needs "rule_conditions" as a mapping of names/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:16:5 error CORDON_ERR_DEFINITION_VALUE .*transformation 3 \(set_value\) has both field_name_cond_op and field_name_cond_expr/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:22:7 error CORDON_ERR_DEFINITION_VALUE .*transformation 4 \(set_value\) detection_item_conditions has "b\.c", which detection_item_cond_expr never uses/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:\d+:\d+ error CORDON_ERR_DEFINITION_VALUE .*transformation 5 \(set_value\) rule_cond_expr has a "\(" that is never closed/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:\d+:\d+ error CORDON_ERR_DEFINITION_VALUE .*transformation 6 \(set_value\) rule_attribute compares level with a value that is none of informational, low, medium, high, critical; got "severe"\./,
      ),
    ]);
  });

  it('named conditions without an expression combine by the op; keywords are lower case; built-in attributes default as in pySigma', () => {
    const named = `
      rule_conditions:
        a: { type: is_sigma_rule }
        b: { type: is_sigma_correlation_rule }
      rule_cond_op: or
    `;
    expect(applies(ruleWith('level: low'), named)).toBe(true);
    // A rule without tags has none: not_in holds, as for "tags: []".
    const notIn =
      "rule_conditions: [{ type: rule_attribute, attribute: tags, op: not_in, value: 'attack.t1059' }]";
    expect(applies(ruleWith(''), notIn)).toBe(true);
    expect(
      applies(
        ruleWith(''),
        'rule_conditions: [{ type: rule_attribute, attribute: taxonomy, value: sigma }]',
      ),
    ).toBe(true);
    // An inherited name is no attribute of the rule.
    expect(
      applies(
        ruleWith(''),
        'rule_conditions: [{ type: rule_attribute, attribute: constructor, op: ne, value: x }]',
      ),
    ).toBe(false);
    expect(
      applies(
        ruleWith(''),
        'rule_conditions: [{ type: rule_attribute, attribute: toString, value: x }]',
      ),
    ).toBe(false);
    expect(
      applies(
        ruleWith('id: 2C3F5D8E-1C34-4A8E-9F0E-5B7A6A1D4E21'),
        'rule_conditions: [{ type: rule_attribute, attribute: id, value: 2c3f5d8e-1c34-4a8e-9f0e-5b7a6a1d4e21 }]',
      ),
    ).toBe(true);
    const { diagnostics } = build(ruleWith(''), {
      'p.pipeline.yaml': pipeline(`
        - type: set_value
          value: b
          rule_conditions:
            a: { type: is_sigma_rule }
            b: { type: is_sigma_rule }
          rule_cond_expr: a AND b
      `),
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /error CORDON_ERR_DEFINITION_VALUE .*rule_cond_expr has "AND" after a complete expression/,
      ),
    ]);
  });

  it('set_custom_attribute gives later rule_attribute conditions a custom attribute, never one Sigma defines', () => {
    const setting = (attribute: string, value: string) =>
      `- type: set_custom_attribute\n  attribute: ${attribute}\n  value: ${value}\n  rule_conditions: [{ type: logsource, category: log }]`;
    /** Whether an item after `items` selecting by `condition` applies (it makes A "b"). */
    const after = (rules: string, items: string, condition: string) => {
      const { ruleSet, diagnostics } = build(rules, {
        'p.pipeline.yaml': pipeline(
          `${items}\n- type: set_value\n  value: b\n  rule_conditions: [${condition}]`,
        ),
      });
      expect(diagnostics.filter((d) => !d.includes('CORDON_WARN_RULE_UNUSED'))).toEqual([]);
      const d = [...(ruleSet?.detections.values() ?? [])].find((x) => x.key === 't');
      return d?.matches(log({ A: 'b' })) === true;
    };
    const team = '{ type: rule_attribute, attribute: team, value: ml }';
    expect(after(ruleWith(''), setting('team', 'ml'), team)).toBe(true);
    expect(after(ruleWith(''), setting('team', 'web'), team)).toBe(false);
    // It replaces a custom attribute the rule wrote, as pySigma's custom_attributes[...] = value.
    expect(after(ruleWith('team: web'), setting('team', 'ml'), team)).toBe(true);
    expect(after(ruleWith('team: ml'), setting('team', 'web'), team)).toBe(false);
    // A list compares by membership; an attribute Sigma defines stays the rule's own.
    expect(
      after(
        ruleWith(''),
        setting('owners', '[alice, bob]'),
        '{ type: rule_attribute, attribute: owners, op: in, value: bob }',
      ),
    ).toBe(true);
    expect(
      after(
        ruleWith('level: low'),
        setting('level', 'critical'),
        '{ type: rule_attribute, attribute: level, value: critical }',
      ),
    ).toBe(false);
    // Set after the item that asks for it: not yet there.
    const { ruleSet } = build(ruleWith(''), {
      'p.pipeline.yaml': pipeline(
        `- type: set_value\n  value: b\n  rule_conditions: [${team}]\n${setting('team', 'ml')}`,
      ),
    });
    const d = [...(ruleSet?.detections.values() ?? [])].find((x) => x.key === 't');
    expect(d?.matches(log({ A: 'b' }))).toBe(false);
    // Numbers and booleans as Python compares them; a list by Python's `in`.
    expect(
      after(
        ruleWith(''),
        setting('on', 'true'),
        '{ type: rule_attribute, attribute: on, value: 1 }',
      ),
    ).toBe(true);
    expect(
      after(
        ruleWith(''),
        setting('on', 'true'),
        "{ type: rule_attribute, attribute: on, value: 'true' }",
      ),
    ).toBe(false);
    expect(
      after(
        ruleWith(''),
        setting('ports', '[1, 2]'),
        "{ type: rule_attribute, attribute: ports, op: in, value: '1' }",
      ),
    ).toBe(false);
    expect(
      after(
        ruleWith(''),
        setting('ports', '[1, 2]'),
        '{ type: rule_attribute, attribute: ports, op: in, value: 2 }',
      ),
    ).toBe(true);
    // Names pySigma's rule object has (its source location) are never custom.
    expect(
      after(
        ruleWith(''),
        setting('source', 'sysmon'),
        '{ type: rule_attribute, attribute: source, value: sysmon }',
      ),
    ).toBe(false);
    // Custom attributes are the rule's: a nest's items set and see them too.
    expect(
      after(
        ruleWith(''),
        `- type: nest\n  items:\n    - type: set_custom_attribute\n      attribute: team\n      value: ml`,
        team,
      ),
    ).toBe(true);
    const bad = build(ruleWith(''), {
      'p.pipeline.yaml': pipeline(
        '- type: set_custom_attribute\n  attribute: team\n  value: { a: 1 }',
      ),
    });
    expect(bad.diagnostics).toEqual([
      expect.stringMatching(
        /error CORDON_ERR_DEFINITION_TYPE .*\(set_custom_attribute\) needs "value", a string, number or boolean \(or a list of them\) it gives the attribute; got a mapping/,
      ),
    ]);
  });

  it('a correlation’s own attributes are those of its correlation block, as pySigma’s rule object holds them', () => {
    const rules = `${rule('sel: { labels.User: a }\ncondition: sel')}---
title: C
name: c
correlation: { type: event_count, rules: [t], group-by: [labels.User], timespan: 1m, condition: { gte: 2 } }
`;
    const skipsCorrelation = (condition: string) =>
      build(rules, {
        'p.pipeline.yaml': `name: p\ntransformations:\n  - type: set_custom_attribute\n    attribute: group_by\n    value: [other]\n  - type: rule_failure\n    message: no\n    rule_conditions: [{ type: is_sigma_correlation_rule }, ${condition}]\n`,
      }).diagnostics.some((d) => d.includes('Rule "c" is skipped'));
    expect(
      skipsCorrelation('{ type: rule_attribute, attribute: group_by, op: in, value: labels.User }'),
    ).toBe(true);
    expect(
      skipsCorrelation('{ type: rule_attribute, attribute: group_by, op: in, value: other }'),
    ).toBe(false);
    expect(skipsCorrelation('{ type: rule_attribute, attribute: type, value: event_count }')).toBe(
      true,
    );
    expect(skipsCorrelation('{ type: rule_attribute, attribute: generate, value: 0 }')).toBe(true);
  });
});
