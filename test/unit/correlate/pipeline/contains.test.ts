import { describe, expect, it } from 'vitest';
import { build, detection, log, pipeline, rule } from './pipeline-helpers.js';

/**
 * pySigma's contains_field and contains_detection_item rule conditions: they look through the
 * rule's detection items as the pipeline items before them left the rule (renamed fields,
 * changed or dropped values, added conditions), as pySigma's conditions look at the rule
 * object those items changed in place.
 */

/**
 * Whether the set_value item under `condition` selected rule `t` (its `A` and `B` then want
 * "hit"), on an event that has "hit" there and whatever `extra` labels the rule also wants.
 */
function selected(
  detectionYaml: string,
  condition: string,
  before = '',
  extra: Record<string, string> = {},
): boolean {
  const items = `${before}
- type: set_value
  value: hit
  field_name_conditions: [{ type: include_fields, fields: [A, B] }]
  rule_conditions: [${condition}]
`;
  const d = detection(rule(detectionYaml), pipeline(items));
  return d.matches(log({ A: 'hit', B: 'hit', ...extra }));
}

describe('contains_field and contains_detection_item rule conditions', () => {
  it('contains_field holds for a rule with an item on the field, in any search or OR-list', () => {
    const cond = '{ type: contains_field, field: B }';
    expect(selected('sel: { A: a, B: b }\ncondition: sel', cond)).toBe(true);
    expect(selected('sel: { A: a }\ncondition: sel', cond)).toBe(false);
    // In a list of mappings, in a second search identifier, with modifiers.
    expect(selected('sel: [{ A: a }, { B|contains: b }]\ncondition: sel', cond)).toBe(true);
    expect(
      selected('sel: { A: a }\nother: { B|startswith: b }\ncondition: sel or other', cond),
    ).toBe(true);
    // Names compare exactly (pySigma's ==).
    expect(selected('sel: { A: a, b: b }\ncondition: sel', cond, '', { b: 'b' })).toBe(false);
    expect(
      selected('sel: { A: a, b: b }\ncondition: sel', '{ type: contains_field, field: b }', '', {
        b: 'b',
      }),
    ).toBe(true);
    // A keyword has no field; a field reference's target is no item of the rule.
    const kw = 'sel: { A: a }\nkw: [xBx]\ncondition: sel and kw';
    expect(selected(kw, '{ type: contains_field, field: A }', '', { note: 'xBx' })).toBe(true);
    expect(selected(kw, cond, '', { note: 'xBx' })).toBe(false);
    const ref = 'sel: { A: a, D|fieldref: C }\ncondition: sel';
    const same = { C: 'c', D: 'c' };
    expect(selected(ref, '{ type: contains_field, field: D }', '', same)).toBe(true);
    expect(selected(ref, '{ type: contains_field, field: C }', '', same)).toBe(false);
  });

  it('reads field names as the renames before it left them, and not after', () => {
    const rename = `
- type: field_name_mapping
  mapping: { Z: B }`;
    const renamedLater = `
- type: set_state
  key: k
  val: 1
  rule_conditions: [{ type: contains_field, field: Z }]
- type: field_name_mapping
  mapping: { Z: B }
- type: set_value
  value: hit
  field_name_conditions: [{ type: include_fields, fields: [A, B] }]
  rule_conditions: [{ type: processing_state, key: k, val: 1 }]
`;
    // After the rename, the rule's item is on B and no longer on Z.
    expect(
      selected('sel: { A: a, Z: z }\ncondition: sel', '{ type: contains_field, field: B }', rename),
    ).toBe(true);
    expect(
      selected('sel: { A: a, Z: z }\ncondition: sel', '{ type: contains_field, field: Z }', rename),
    ).toBe(false);
    // Before the rename, the item was on Z.
    const d = detection(rule('sel: { A: a, Z: z }\ncondition: sel'), pipeline(renamedLater));
    expect(d.matches(log({ A: 'hit', B: 'hit' }))).toBe(true);
  });

  it('a dropped item no longer counts; an added condition’s item does', () => {
    const drop = `
- type: drop_detection_item
  field_name_conditions: [{ type: include_fields, fields: [B] }]`;
    expect(
      selected('sel: { A: a, B: b }\ncondition: sel', '{ type: contains_field, field: B }', drop),
    ).toBe(false);
    const add = `
- type: add_condition
  conditions: { C: c }`;
    const d = detection(
      rule('sel: { A: a }\ncondition: sel'),
      pipeline(`${add}
- type: set_value
  value: hit
  field_name_conditions: [{ type: include_fields, fields: [A] }]
  rule_conditions: [{ type: contains_detection_item, field: C, value: c }]
`),
    );
    expect(d.matches(log({ A: 'hit', C: 'c' }))).toBe(true);
    expect(d.matches(log({ A: 'a', C: 'c' }))).toBe(false);
  });

  it('an added condition’s items go through the renames after it only', () => {
    const before = `
- type: field_name_mapping
  mapping: { C: D }
- type: add_condition
  conditions: { C: c }`;
    const rule = 'sel: { A: a }\ncondition: sel';
    expect(selected(rule, '{ type: contains_field, field: C }', before, { C: 'c' })).toBe(true);
    expect(selected(rule, '{ type: contains_field, field: D }', before, { C: 'c' })).toBe(false);
  });

  it('sees renames inside a nest before it, and several conditions decide once each', () => {
    const nested = (condition: string) => `
- type: nest
  items:
    - type: field_name_mapping
      mapping: { Z: B }
    - type: set_value
      value: hit
      field_name_conditions: [{ type: include_fields, fields: [A] }]
      rule_conditions: [${condition}]
- type: set_value
  value: never
  field_name_conditions: [{ type: include_fields, fields: [Q] }]`;
    const hit = (condition: string) =>
      detection(rule('sel: { A: a, Z: z }\ncondition: sel'), pipeline(nested(condition))).matches(
        log({ A: 'hit', B: 'z' }),
      );
    expect(hit('{ type: contains_field, field: B }')).toBe(true);
    expect(hit('{ type: contains_field, field: Z }')).toBe(false);
    expect(
      hit(
        '{ type: contains_field, field: B }, { type: contains_detection_item, field: B, value: z }',
      ),
    ).toBe(true);
    expect(
      hit(
        '{ type: contains_field, field: B }, { type: contains_detection_item, field: B, value: y }',
      ),
    ).toBe(false);
  });

  it('an expand value is compared only when it has no placeholder', () => {
    const fill = `
- type: value_placeholders`;
    const doc = (vars: string) => `name: p\nvars: ${vars}\ntransformations:\n`;
    const run = (condition: string) => {
      const items = `${fill}
- type: set_value
  value: hit
  field_name_conditions: [{ type: include_fields, fields: [A] }]
  rule_conditions: [${condition}]
- type: field_name_prefix
  prefix: labels.`;
      const text = doc('{ x: [v1] }') + items.replace(/^/gm, '  ');
      return detection(
        rule("sel: { A: a, B|expand: ['%x%', plain] }\ncondition: sel"),
        text,
      ).matches(log({ A: 'hit', B: 'plain' }));
    };
    expect(run('{ type: contains_field, field: B }')).toBe(true);
    expect(run("{ type: contains_detection_item, field: B, value: 'plain' }")).toBe(true);
    expect(run("{ type: contains_detection_item, field: B, value: '%x%' }")).toBe(false);
  });

  it('contains_detection_item compares values as pySigma does', () => {
    const has = (detectionYaml: string, value: string) =>
      selected(
        `${detectionYaml}\ncondition: sel`,
        `{ type: contains_detection_item, field: B, value: ${value} }`,
      );
    // Strings: the Sigma string after the rule's modifiers, exactly (case and wildcards).
    expect(has('sel: { A: a, B: cmd.exe }', 'cmd.exe')).toBe(true);
    expect(has('sel: { A: a, B: [x, cmd.exe] }', 'cmd.exe')).toBe(true);
    expect(has('sel: { A: a, B: CMD.exe }', 'cmd.exe')).toBe(false);
    expect(has('sel: { A: a, B|contains: cmd }', 'cmd')).toBe(false);
    expect(has('sel: { A: a, B|contains: cmd }', "'*cmd*'")).toBe(true);
    expect(has('sel: { A: a, B: cmd }', 'cmx')).toBe(false);
    // A |cased value is another Sigma type (SigmaCasedString): never equal.
    expect(has('sel: { A: a, B|cased: cmd }', 'cmd')).toBe(false);
    // Numbers with numbers, booleans with booleans, null with null; never across types.
    expect(has('sel: { A: a, B: 3 }', '3.0')).toBe(true);
    expect(has('sel: { A: a, B: 3 }', "'3'")).toBe(false);
    expect(has("sel: { A: a, B: '3' }", '3')).toBe(false);
    expect(has('sel: { A: a, B: true }', 'true')).toBe(true);
    expect(has('sel: { A: a, B: 1 }', 'true')).toBe(false);
    expect(has('sel: { A: a, B: null }', 'null')).toBe(true);
    expect(has('sel: { A: a, B: x }', 'null')).toBe(false);
    // Another field's value does not count.
    expect(has('sel: { A: cmd.exe, B: x }', 'cmd.exe')).toBe(false);
  });

  it('reads values as the items before it changed them', () => {
    const replace = `
- type: replace_string
  regex: '^old'
  replacement: new
  field_name_conditions: [{ type: include_fields, fields: [B] }]`;
    const cond = (v: string) => `{ type: contains_detection_item, field: B, value: ${v} }`;
    expect(selected('sel: { A: a, B: oldvalue }\ncondition: sel', cond('newvalue'), replace)).toBe(
      true,
    );
    expect(selected('sel: { A: a, B: oldvalue }\ncondition: sel', cond('oldvalue'), replace)).toBe(
      false,
    );
  });

  it('keeps a |cased value cased through case, and passes a regex-made expression by', () => {
    const cond = "{ type: contains_detection_item, field: B, value: 'cmd' }";
    const lower = `
- type: case
  method: lower
  field_name_conditions: [{ type: include_fields, fields: [B] }]`;
    // pySigma's case changes a SigmaCasedString in place: still cased, never equal.
    expect(selected('sel: { A: a, B|cased: CMD }\ncondition: sel', cond, lower)).toBe(false);
    expect(selected('sel: { A: a, B: CMD }\ncondition: sel', cond, lower)).toBe(true);
    // A regex transformation makes an expression, which case then leaves alone.
    const regexThenLower = `
- type: regex
  method: plain
  field_name_conditions: [{ type: include_fields, fields: [B] }]${lower}`;
    expect(selected('sel: { A: a, B: cmd }\ncondition: sel', cond, regexThenLower)).toBe(false);
    // replace_string: with skip_special the string stays |cased (pySigma changes its parts in
    // place); without, it is read back as a new, plain string.
    const replace = (skip: boolean) => `
- type: replace_string
  regex: '^C'
  replacement: c
  skip_special: ${skip}
  field_name_conditions: [{ type: include_fields, fields: [B] }]`;
    const replaced = "{ type: contains_detection_item, field: B, value: 'cMD' }";
    const casedCmd = 'sel: { A: a, B|cased: CMD }\ncondition: sel';
    expect(selected(casedCmd, replaced, replace(true))).toBe(false);
    expect(selected('sel: { A: a, B: CMD }\ncondition: sel', replaced, replace(true))).toBe(true);
    expect(selected(casedCmd, replaced, replace(false))).toBe(true);
    // An encoding makes a new, plain string of a |cased one (base64 of "cmd" is "Y21k").
    expect(
      selected(
        'sel: { A: a, B|cased|base64: cmd }\ncondition: sel',
        '{ type: contains_detection_item, field: B, value: Y21k }',
      ),
    ).toBe(true);
  });

  it('never holds for a correlation rule, and reports bad conditions where they stand', () => {
    const rules = `
title: Base
name: base
logsource: { category: log }
detection: { sel: { B: b }, condition: sel }
---
title: Count
name: count
correlation: { type: event_count, rules: [base], group-by: [B], timespan: 1m, condition: { gte: 2 } }
`;
    const failing = `
name: p
transformations:
  - type: rule_failure
    message: has B
    rule_conditions: [{ type: contains_field, field: B }]
`;
    const { diagnostics } = build(rules, { 'p.pipeline.yaml': failing });
    // The detection rule is skipped; the correlation is not (it then refers to a skipped rule).
    expect(diagnostics.some((d) => /Rule "base".* is skipped/.test(d))).toBe(true);
    expect(diagnostics.some((d) => /Rule "count".* is skipped/.test(d))).toBe(false);
    // Not even after an add_condition, which pySigma leaves correlations out of.
    const added = build(rules, {
      'p.pipeline.yaml': `
name: p
transformations:
  - type: add_condition
    conditions: { Added: x }
  - type: rule_failure
    message: has Added
    rule_conditions: [{ type: contains_field, field: Added }]
`,
    });
    expect(added.diagnostics.some((d) => /Rule "base".* is skipped/.test(d))).toBe(true);
    expect(added.diagnostics.some((d) => /Rule "count".* is skipped/.test(d))).toBe(false);

    const bad = build(rule('sel: { A: a }\ncondition: sel'), {
      'p.pipeline.yaml': `
name: p
transformations:
  - type: set_value
    value: x
    rule_conditions:
      - { type: contains_detection_item, field: A }
      - { type: contains_detection_item, field: A, value: [a] }
      - { type: contains_field, field: A, value: a }
      - { type: contains_field }
  - type: field_name_prefix
    prefix: labels.
`,
    });
    expect(bad.diagnostics).toEqual([
      expect.stringMatching(
        /^p\.pipeline\.yaml:6:9 error CORDON_ERR_DEFINITION_REQUIRED .*contains_detection_item needs "value", a string, number, boolean or null/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:7:59 error CORDON_ERR_DEFINITION_TYPE .*contains_detection_item needs "value".*got the list/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:8:43 error CORDON_ERR_DEFINITION_UNKNOWN_KEY .*contains_field condition has unknown key "value"\. Known keys: type, field\./,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:9:9 error CORDON_ERR_DEFINITION_REQUIRED .*contains_field needs "field"/,
      ),
    ]);
  });
});
