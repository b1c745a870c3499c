import { describe, expect, it } from 'vitest';
import { makeEvent } from '../helpers.js';
import { build, detection, log } from './pipeline-helpers.js';

/** pySigma's `nest`: items applied in its place, gated by its own conditions. */
const rules = `
title: Win
name: win
tags: [attack.t1059]
logsource: { product: windows, category: process_creation }
detection: { sel: { Image: x }, condition: sel }
---
title: Lin
name: lin
logsource: { product: linux, category: process_creation }
detection: { sel: { Image: x }, condition: sel }
`;

/** The pipeline file `n.pipeline.yaml` with these transformations, then every field under labels. */
const pipelineOf = (items: string, vars = '') =>
  `name: n\n${vars}transformations:\n${items}\n  - type: field_name_prefix\n    prefix: labels.\n    field_name_cond_not: true\n    field_name_conditions: [{ type: include_fields, fields: [entity.host] }]\n  - type: change_logsource\n    category: log\n`;

function reads(items: string, name: string, vars = ''): readonly string[] | undefined {
  const { ruleSet, diagnostics } = build(rules, { 'n.pipeline.yaml': pipelineOf(items, vars) });
  expect(diagnostics).toEqual([]);
  return [...(ruleSet?.detections.values() ?? [])].find((d) => d.key === name)?.reads;
}

describe('pipeline nest', () => {
  it('applies its items, each under its own conditions too, only to the rules it selects', () => {
    const items = `
  - type: nest
    rule_conditions: [{ type: logsource, product: windows }]
    items:
      - type: field_name_mapping
        mapping: { Image: entity.host }
      - type: add_condition
        conditions: { Tagged: yes }
        rule_conditions: [{ type: tag, tag: attack.t1059 }]`;
    expect(reads(items, 'win')).toEqual(['entity.host', 'labels.Tagged']);
    expect(reads(items, 'lin')).toEqual(['labels.Image']);
  });

  it('starts its items with an empty state; the keys they set join the enclosing state after it', () => {
    const items = `
  - type: set_state
    key: outer
    val: 1
  - type: nest
    items:
      - type: field_name_mapping
        mapping: { Image: entity.host }
        field_name_conditions: [{ type: processing_state, key: outer, val: 1 }]
      - type: set_state
        key: inner
        val: 2
  - type: add_condition
    conditions: { After: yes }
    rule_conditions:
      - { type: processing_state, key: inner, val: 2 }
      - { type: processing_state, key: outer, val: 1 }`;
    // Inside, "outer" is not set: Image stays; after, both keys hold.
    expect(reads(items, 'win')).toEqual(['labels.After', 'labels.Image']);
  });

  it('its id and its items’ ids mark the rules they select, for conditions after them', () => {
    const items = `
  - id: windows_nest
    type: nest
    rule_conditions: [{ type: logsource, product: windows }]
    items:
      - id: inner_map
        type: field_name_mapping
        mapping: { Image: entity.host }
      - type: set_value
        value: renamed
        field_name_conditions: [{ type: processing_item_applied, processing_item_id: inner_map }]
        rule_conditions: [{ type: processing_item_applied, processing_item_id: windows_nest }]
  - type: add_condition
    conditions: { Outer: yes }
    rule_conditions: [{ type: processing_item_applied, processing_item_id: inner_map }]`;
    expect(reads(items, 'win')).toEqual(['entity.host', 'labels.Outer']);
    expect(reads(items, 'lin')).toEqual(['labels.Image']);
    const { ruleSet } = build(rules, { 'n.pipeline.yaml': pipelineOf(items) });
    const win = [...(ruleSet?.detections.values() ?? [])].find((d) => d.key === 'win');
    const event = (host: string) =>
      makeEvent({ kind: 'log', entity: { host }, labels: { Outer: 'yes' } });
    expect(win?.matches(event('renamed'))).toBe(true);
    expect(win?.matches(event('x'))).toBe(false);
  });

  it('its placeholders take the pipelines’ vars', () => {
    const d = detection(
      `
        title: Admin
        name: admin
        logsource: { category: log }
        detection: { sel: { labels.user|expand: '%admins%' }, condition: sel }
      `,
      `
        name: v
        vars: { admins: [root, admin] }
        transformations:
          - type: nest
            items:
              - type: value_placeholders
      `,
      'admin',
    );
    expect(d.matches(log({ user: 'admin' }))).toBe(true);
    expect(d.matches(log({ user: 'guest' }))).toBe(false);
  });

  it('a change of logsource inside is seen by the items after it; nests merge their state level by level', () => {
    const items = `
  - type: nest
    items:
      - type: change_logsource
        category: log
        product: cordon
      - type: nest
        items:
          - type: set_state
            key: deep
            val: yes
  - type: add_condition
    conditions: { Seen: yes }
    rule_conditions:
      - { type: logsource, product: cordon }
      - { type: processing_state, key: deep, val: yes }`;
    expect(reads(items, 'win')).toEqual(['labels.Image', 'labels.Seen']);
  });

  it('an empty nest marks the rules it selects; a rule it skips inside names its place', () => {
    const items = `
  - id: mark
    type: nest
    rule_conditions: [{ type: logsource, product: windows }]
    items: []
  - type: add_condition
    conditions: { Marked: yes }
    rule_conditions: [{ type: processing_item_applied, processing_item_id: mark }]`;
    expect(reads(items, 'win')).toEqual(['labels.Image', 'labels.Marked']);
    expect(reads(items, 'lin')).toEqual(['labels.Image']);
    const { diagnostics } = build(rules, {
      'n.pipeline.yaml': pipelineOf(`
  - id: outer
    type: nest
    rule_conditions: [{ type: logsource, product: linux }]
    items:
      - type: rule_failure
        message: no linux here`),
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^rules\.yaml:\d+:1 warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE Rule "lin" is skipped: Pipeline "n" \(n\.pipeline\.yaml\) transformation "outer" item 1 refuses it with "no linux here"/,
      ),
    ]);
  });

  it('refuses an item that nests itself through a YAML alias, and caps what aliases repeat', () => {
    const cycle = build(rules, {
      'c.pipeline.yaml': `
        name: c
        transformations:
          - &self
            type: nest
            items: [*self]
      `,
    });
    expect(cycle.ruleSet).toBeUndefined();
    expect(cycle.diagnostics.filter((d) => d.startsWith('c.'))).toEqual([
      expect.stringMatching(
        /^c\.pipeline\.yaml:\d+:\d+ error CORDON_ERR_DEFINITION_VALUE Pipeline "c" transformation 1 item 1 is a YAML alias of a nest it stands in/,
      ),
    ]);
    // Each level holds the one below twice: 2^15 items in all.
    const levels = ['a0: &a0 { type: set_state, key: k, val: 1 }'];
    for (let i = 1; i <= 15; i += 1)
      levels.push(`a${i}: &a${i} { type: nest, items: [*a${i - 1}, *a${i - 1}] }`);
    const blowUp = build(rules, {
      'b.pipeline.yaml': `name: b\nvars: {}\n${levels.map((l) => `x-${l}`).join('\n')}\ntransformations: [*a15]\n`,
    });
    expect(blowUp.ruleSet).toBeUndefined();
    expect(blowUp.diagnostics.filter((d) => d.includes('CORDON_ERR_DEFINITION_VALUE'))).toEqual([
      expect.stringMatching(
        /Pipeline "b" has more than 10000 transformations, nested ones included/,
      ),
    ]);
  });

  it('refuses a processing_item_applied inside a nest that names an item after it', () => {
    const { diagnostics } = build(rules, {
      'f.pipeline.yaml': `
        name: f
        transformations:
          - type: nest
            items:
              - type: set_value
                value: v
                rule_conditions: [{ type: processing_item_applied, processing_item_id: after }]
              - id: after
                type: set_state
                key: k
                val: 1
      `,
    });
    expect(diagnostics.filter((d) => d.startsWith('f.'))).toEqual([
      expect.stringMatching(
        /^f\.pipeline\.yaml:\d+:\d+ error CORDON_ERR_DEFINITION_VALUE Pipeline "f" \(f\.pipeline\.yaml\) transformation 1 item 1 has a rule condition processing_item_applied on "after", which names no item before it/,
      ),
    ]);
  });

  it('reports a nest without items, and its items’ problems where they stand', () => {
    const { ruleSet, diagnostics } = build(rules, {
      'bad.pipeline.yaml': `
        name: bad
        transformations:
          - type: nest
          - type: nest
            items: { type: field_name_prefix }
          - id: outer
            type: nest
            items:
              - type: field_name_maping
                mapping: { Image: x }
              - id: deep
                type: nest
                items:
                  - type: set_state
                    key: k
      `,
    });
    expect(ruleSet).toBeUndefined();
    // The rules are also reported (their fields stay unmapped); the pipeline's own problems:
    expect(diagnostics.filter((d) => d.startsWith('bad.'))).toEqual([
      expect.stringMatching(
        /^bad\.pipeline\.yaml:3:5 error CORDON_ERR_DEFINITION_REQUIRED Pipeline "bad" transformation 1 \(nest\) needs "items", a list of transformations applied in its place; got undefined/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:5:12 error CORDON_ERR_DEFINITION_TYPE Pipeline "bad" transformation 2 \(nest\) needs "items", a list .*; got a mapping/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:9:15 error CORDON_ERR_DEFINITION_VALUE Pipeline "bad" transformation "outer" item 1 \(field_name_maping\) needs a transformation type; got "field_name_maping"\. Did you mean "field_name_mapping"\?/,
      ),
      expect.stringMatching(
        /^bad\.pipeline\.yaml:14:13 error CORDON_ERR_DEFINITION_REQUIRED Pipeline "bad" transformation "outer" item "deep" item 1 \(set_state\) needs "val"/,
      ),
    ]);
  });
});
