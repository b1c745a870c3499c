import { describe, expect, it } from 'vitest';
import { build, detection, log, pipeline } from './pipeline-helpers.js';

/**
 * add_field, remove_field and set_field change a rule's `fields` list, which Cordon reads
 * where a later rule_attribute condition on `fields` compares it (as pySigma's rule object then
 * holds it); the field renames rename its entries too, as pySigma's do.
 */
const ruleWithFields = (fields: string) => `
title: T
name: t
logsource: { category: log }
detection: { sel: { A: a }, condition: sel }
${fields}
`;

/** Which of `names` rule `t`'s `fields` holds after `items`, by rule_attribute in / not_in. */
function fieldsAfter(fields: string, items: string, names: readonly string[]): string[] {
  const probes = names
    .map(
      (n, i) => `
- type: set_state
  key: has${i}
  val: true
  rule_conditions: [{ type: rule_attribute, attribute: fields, op: in, value: ${n} }]`,
    )
    .join('');
  // Each name found gives A a value of its own; the detection then wants all of them (any).
  const marks = names
    .map(
      (n, i) => `
- type: map_string
  mapping: { a: [a, "has-${n}"] }
  rule_conditions: [{ type: processing_state, key: has${i}, val: true }]`,
    )
    .join('');
  const d = detection(ruleWithFields(fields), pipeline(`${items}${probes}${marks}`));
  return names.filter((n) => d.matches(log({ A: `has-${n}` })));
}

describe('add_field, remove_field and set_field', () => {
  it('add_field appends one or several; remove_field takes them out; set_field replaces the list', () => {
    const all = ['Image', 'User', 'Host'];
    expect(fieldsAfter('fields: [Image]', '', all)).toEqual(['Image']);
    expect(fieldsAfter('', '', all)).toEqual([]);
    expect(
      fieldsAfter('fields: [Image]', '\n- type: add_field\n  field: [User, Host]', all),
    ).toEqual(all);
    expect(fieldsAfter('', '\n- type: add_field\n  field: User', all)).toEqual(['User']);
    expect(
      fieldsAfter(
        'fields: [Image, User]',
        '\n- type: remove_field\n  field: [Image, Missing]',
        all,
      ),
    ).toEqual(['User']);
    expect(
      fieldsAfter('fields: [Image, User]', '\n- type: set_field\n  fields: [Host]', all),
    ).toEqual(['Host']);
  });

  it('only for the rules its conditions select; renames after it rename the entries', () => {
    const items = `
- type: add_field
  field: Image
  rule_conditions: [{ type: logsource, product: windows }]`;
    expect(fieldsAfter('', items, ['Image'])).toEqual([]);
    const renamed = `
- type: add_field
  field: Image
- type: field_name_mapping
  mapping: { Image: process.executable }`;
    expect(fieldsAfter('', renamed, ['Image', 'process.executable'])).toEqual([
      'process.executable',
    ]);
    // A rule's own fields are renamed too, as pySigma maps rule.fields.
    const own = `
- type: field_name_mapping
  mapping: { User: user.name }`;
    expect(fieldsAfter('fields: [User]', own, ['User', 'user.name'])).toEqual(['user.name']);
    // What renamed an entry stays known after the list changes (processing_item_applied).
    const tracked = `
- id: first
  type: field_name_mapping
  mapping: { User: user.name }
- type: remove_field
  field: Host
- type: field_name_mapping
  mapping: { user.name: account }
  field_name_conditions: [{ type: processing_item_applied, processing_item_id: first }]`;
    expect(fieldsAfter('fields: [User, Host]', tracked, ['user.name', 'account', 'Host'])).toEqual([
      'account',
    ]);
    // Only a rename that changes the name marks it (an identity mapping does not).
    const identity = `
- id: first
  type: field_name_mapping
  mapping: { Host: Host }
- type: field_name_mapping
  mapping: { Host: h2 }
  field_name_conditions: [{ type: processing_item_applied, processing_item_id: first }]`;
    expect(fieldsAfter('fields: [Host]', identity, ['Host', 'h2'])).toEqual(['Host']);
  });

  it('reports a missing or misshapen field list where it stands', () => {
    const { diagnostics } = build(ruleWithFields(''), {
      'p.pipeline.yaml': `
name: p
transformations:
  - type: add_field
  - type: remove_field
    field: [a, 3]
  - type: set_field
    fields: Image
  - type: field_name_prefix
    prefix: labels.
`,
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^p\.pipeline\.yaml:3:5 error CORDON_ERR_DEFINITION_REQUIRED .*\(add_field\) needs "field", a field name or a list of them; got undefined\./,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:5:16 error CORDON_ERR_DEFINITION_TYPE .*\(remove_field\) needs "field", a field name or a list of them; got 3\./,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:7:13 error CORDON_ERR_DEFINITION_TYPE .*\(set_field\) needs "fields", a list of field names; got "Image"\./,
      ),
    ]);
  });
});
