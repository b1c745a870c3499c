import { describe, expect, it } from 'vitest';
import { build, detection, log, pipeline, rule } from './pipeline-helpers.js';

describe('pipeline transformations on detection items', () => {
  it('drop_detection_item removes the items it selects; a search left empty leaves the condition', () => {
    const rules = rule(`
      sel:
        EventID: 1
        Image|endswith: '\\whoami.exe'
      filter:
        EventID: 4
      condition: sel and not filter
    `);
    const d = detection(
      rules,
      pipeline(`
        - type: drop_detection_item
          field_name_conditions: [{ type: include_fields, fields: [EventID] }]
      `),
    );
    expect(d.reads).toEqual(['labels.Image']);
    // With the filter gone (not "not true"), the selection alone decides.
    expect(d.matches(log({ Image: 'C:\\Windows\\whoami.exe' }))).toBe(true);
    expect(d.matches(log({ Image: 'C:\\Windows\\cmd.exe' }))).toBe(false);
    // Without the drop, EventID is read like any other field.
    const kept = detection(
      rules,
      pipeline('- type: field_name_prefix_mapping\n  mapping: { Zz: labels.zz }'),
    );
    expect(kept.reads).toEqual(['labels.EventID', 'labels.Image']);
    expect(kept.matches(log({ Image: 'C:\\Windows\\whoami.exe' }))).toBe(false);
  });

  it('drops from a list of mappings only the mappings it empties, and refuses a condition left with nothing', () => {
    const d = detection(
      rule(`
        sel:
          - EventID: 1
          - Image: a
        condition: sel
      `),
      pipeline(`
        - type: drop_detection_item
          field_name_conditions: [{ type: include_fields, fields: [EventID] }]
      `),
    );
    // An OR with the emptied mapping left out, not an OR with "match everything".
    expect(d.matches(log({ Image: 'a' }))).toBe(true);
    expect(d.matches(log({ Image: 'b' }))).toBe(false);

    const { ruleSet, diagnostics } = build(rule('sel: { EventID: 1 }\ncondition: sel'), {
      'p.pipeline.yaml': pipeline(`
        - type: drop_detection_item
          field_name_conditions: [{ type: include_fields, fields: [EventID] }]
      `),
    });
    expect(ruleSet).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^rules\.yaml:\d+:\d+ error CORDON_ERR_RULE_DETECTION Rule "t" condition is left with no search: processing pipeline items dropped every item of "sel"/,
      ),
    ]);
  });

  it('detection_item_failure skips a rule with such an item, with its message and none of its other problems', () => {
    const rules = `${rule(`
      sel:
        Hashes|contains: MD5=abc
        Unknown.Field: x
      condition: sel
    `)}---\n${rule('sel: { Image: a }\ncondition: sel').replace('name: t', 'name: u')}`;
    const { ruleSet, diagnostics } = build(rules, {
      'p.pipeline.yaml': pipeline(`
        - id: no_hashes
          type: detection_item_failure
          message: this deployment has no file hashes
          field_name_conditions: [{ type: include_fields, fields: [Hashes] }]
      `),
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^rules\.yaml:1:1 warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE Rule "t" is skipped: Pipeline "p" \(p\.pipeline\.yaml\) transformation "no_hashes" refuses it with "this deployment has no file hashes"\./,
      ),
    ]);
    expect([...(ruleSet?.detections.values() ?? [])].map((d) => d.key)).toEqual(['u']);
  });

  it('strict_field_mapping_failure skips a rule with a field no rename before it took', () => {
    const named = (name: string, detectionYaml: string) =>
      rule(detectionYaml).replace('name: t', `name: ${name}`);
    const rules = [
      named('mapped', 'sel: { User: x }\ncondition: sel'),
      named('unmapped', 'sel: { User: x, Image: y }\ncondition: sel'),
      named('keywords', 'words: [evil]\ncondition: words'),
      named('added', 'sel: { User: x }\ncondition: sel'),
    ].join('---\n');
    const { ruleSet, diagnostics } = build(rules, {
      'p.pipeline.yaml': `
        name: p
        transformations:
          - type: add_condition
            conditions: { Host: h }
            rule_conditions: [{ type: rule_attribute, attribute: name, value: added }]
          - type: field_name_mapping
            mapping: { User: entity.user, Host: entity.host }
          - type: add_condition
            conditions: { Late: z }
            rule_conditions: [{ type: rule_attribute, attribute: name, value: added }]
          - id: strict
            type: strict_field_mapping_failure
          - type: field_name_prefix
            prefix: labels.
      `,
    });
    // Image is renamed only after the check, as is the field of the condition added after
    // the mapping (Late; Host, added before it, was mapped); keywords have no field.
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE Rule "unmapped" is skipped: Pipeline "p" \(p\.pipeline\.yaml\) transformation "strict" refuses it with "The following fields are not mapped: Image"\./,
      ),
      expect.stringMatching(
        /warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE Rule "added" is skipped: .* refuses it with "The following fields are not mapped: Late"\./,
      ),
    ]);
    expect([...(ruleSet?.detections.values() ?? [])].map((d) => d.key)).toEqual([
      'mapped',
      'keywords',
    ]);
  });

  it('strict_field_mapping_failure in a nest counts the renames of that nest only; the first refusing item names the failure', () => {
    const skippedWith = (pipelineYaml: string, rules = rule('sel: { A: a }\ncondition: sel')) =>
      build(rules, { 'p.pipeline.yaml': pipelineYaml }).diagnostics;
    const inside = skippedWith(`
      name: p
      transformations:
        - type: field_name_mapping
          mapping: { A: labels.x }
        - type: nest
          items:
            - id: strict_inside
              type: strict_field_mapping_failure
    `);
    expect(inside).toEqual([
      expect.stringMatching(
        /Rule "t" is skipped: .*transformation 2 item "strict_inside" refuses it with "The following fields are not mapped: labels\.x"\. Rename the field with an item before that transformation/,
      ),
    ]);
    const after = skippedWith(`
      name: p
      transformations:
        - type: nest
          items:
            - type: field_name_mapping
              mapping: { A: labels.x }
        - type: strict_field_mapping_failure
    `);
    expect(after).toEqual([]);

    const twoSearches = `${rule('s1: { A: a }\ns2: { B: b }\ncondition: s1 or s2')}---
title: C
name: c
correlation: { type: event_count, rules: [t], timespan: 1m, condition: { gte: 2 } }
`;
    const ordered = (first: string, second: string) =>
      skippedWith(`name: p\ntransformations:\n${first}\n${second}\n`, twoSearches);
    const itemFailure =
      '  - type: detection_item_failure\n    message: no B here\n    field_name_conditions: [{ type: include_fields, fields: [B] }]';
    const strict = '  - type: strict_field_mapping_failure';
    const ruleFailure = '  - type: rule_failure\n    message: no rules here';
    // pySigma stops at the first refusing item, whichever search holds the item it refuses.
    expect(ordered(itemFailure, strict).join('\n')).toContain('refuses it with "no B here"');
    expect(ordered(strict, itemFailure).join('\n')).toContain(
      'refuses it with "The following fields are not mapped: A"',
    );
    expect(ordered(strict, ruleFailure).join('\n')).toContain('not mapped: A');
    expect(ordered(ruleFailure, strict).join('\n')).toContain('no rules here');
    // A correlation naming the skipped rule names the transformation that skipped it.
    expect(skippedWith(`name: p\ntransformations:\n${strict}\n`, twoSearches).join('\n')).toContain(
      'transformation 1 (strict_field_mapping_failure) skips',
    );
  });

  it('replace_string works on the Sigma text and keeps the wildcards the modifiers made', () => {
    const d = detection(
      rule(`
        sel:
          Image|endswith: '\\whoami.exe'
          Pair: alpha-beta
          Price: $5
        condition: sel
      `),
      pipeline(`
        - type: replace_string
          regex: '\\\\'
          replacement: /
          field_name_conditions: [{ type: include_fields, fields: [Image] }]
        - type: replace_string
          regex: '^(?P<a>\\w+)-(\\w+)$'
          replacement: '\\2-\\g<a>'
          field_name_conditions: [{ type: include_fields, fields: [Pair] }]
        - type: replace_string
          regex: '\\$'
          replacement: '$$'
          field_name_conditions: [{ type: include_fields, fields: [Price] }]
      `),
    );
    const hit = { Image: '/usr/bin/whoami.exe', Pair: 'beta-alpha', Price: '$$5' };
    expect(d.matches(log(hit))).toBe(true);
    expect(d.matches(log({ ...hit, Image: 'C:\\Windows\\whoami.exe' }))).toBe(false);
    expect(d.matches(log({ ...hit, Pair: 'alpha-beta' }))).toBe(false);
  });

  it('replace_string with skip_special leaves wildcards alone; without it a wildcard can be replaced', () => {
    const rules = rule("sel: { Cmd: 'run*now' }\ncondition: sel");
    const replace = (skip: boolean) =>
      pipeline(`
        - type: replace_string
          regex: '\\*'
          replacement: ' '
          skip_special: ${skip}
      `);
    const plain = detection(rules, replace(false));
    expect(plain.matches(log({ Cmd: 'run now' }))).toBe(true);
    expect(plain.matches(log({ Cmd: 'run it now' }))).toBe(false);
    const skipping = detection(rules, replace(true));
    expect(skipping.matches(log({ Cmd: 'run it now' }))).toBe(true);
  });

  it("keeps the rule's cased, applies to keywords, and turns numbers into strings", () => {
    const d = detection(
      rule(`
        sel:
          Name|cased: Admin
          Port: 8080
        kw:
          - ignore previous
        condition: sel and kw
      `),
      pipeline(`
        - type: replace_string
          regex: 'dmin'
          replacement: 'DMIN'
        - type: replace_string
          regex: '^80'
          replacement: '90'
        - type: replace_string
          regex: 'previous'
          replacement: 'all'
      `),
    );
    const hit = { Name: 'ADMIN', Port: '9080', Prompt: 'please IGNORE ALL instructions' };
    expect(d.matches(log(hit))).toBe(true);
    expect(d.matches(log({ ...hit, Name: 'admin' }))).toBe(false);
    expect(d.matches(log({ ...hit, Port: '8080' }))).toBe(false);
    expect(d.matches(log({ ...hit, Prompt: 'ignore previous instructions' }))).toBe(false);
  });

  it('map_string maps whole values, a list to any of several; set_value replaces any value', () => {
    const d = detection(
      rule(`
        sel:
          EventType: ProcessCreate
          Image|re: '.*evil.*'
          Other: untouched
        condition: sel
      `),
      pipeline(`
        - type: map_string
          mapping: { ProcessCreate: [process_start, proc_start], untouched: never }
          field_name_conditions: [{ type: include_fields, fields: [EventType] }]
        - type: set_value
          value: 'C:\\tools\\\\*'
          field_name_conditions: [{ type: include_fields, fields: [Image] }]
      `),
    );
    const hit = { EventType: 'proc_start', Image: 'C:\\tools\\x.exe', Other: 'untouched' };
    expect(d.matches(log(hit))).toBe(true);
    expect(d.matches(log({ ...hit, EventType: 'process_start' }))).toBe(true);
    expect(d.matches(log({ ...hit, EventType: 'ProcessCreate' }))).toBe(false);
    expect(d.matches(log({ ...hit, Image: 'D:\\evil.exe' }))).toBe(false);
  });

  it('detection_item_conditions select items by their values and by what was applied to them', () => {
    const d = detection(
      rule(`
        sel:
          Path|startswith: 'C:\\Temp'
          Dir: '/tmp'
          Opt: null
        condition: sel
      `),
      pipeline(`
        - id: unix
          type: replace_string
          regex: '^C:\\\\'
          replacement: /
          detection_item_conditions: [{ type: match_string, cond: any, pattern: '^C:' }]
        - type: set_value
          value: '/var/tmp*'
          detection_item_conditions: [{ type: processing_item_applied, processing_item_id: unix }]
        - type: drop_detection_item
          detection_item_conditions: [{ type: is_null, cond: all }]
      `),
    );
    expect(d.reads).toEqual(['labels.Dir', 'labels.Path']);
    expect(d.matches(log({ Path: '/var/tmp/x', Dir: '/tmp' }))).toBe(true);
    expect(d.matches(log({ Path: 'C:\\Temp\\x', Dir: '/tmp' }))).toBe(false);
    expect(d.matches(log({ Path: '/var/tmp/x', Dir: '/var/tmp' }))).toBe(false);
  });

  it('reports bad settings with their location', () => {
    const { diagnostics } = build(rule('sel: { labels.a: a }\ncondition: sel'), {
      'p.pipeline.yaml': `
        name: p
        transformations:
          - type: replace_string
            regex: '(unclosed'
            replacement: x
          - type: replace_string
            regex: '(a)'
            replacement: '\\2'
          - type: drop_detection_item
            detection_item_conditions: [{ type: match_string, pattern: a }]
          - type: field_name_prefix
            prefix: labels.
            detection_item_conditions: [{ type: is_null, cond: any }]
          - type: map_string
            mapping: { a: { b: c } }
          - type: set_value
            value: abc
            force_type: num
      `.replace(/^ {8}/gm, ''),
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^p\.pipeline\.yaml:4:12 error CORDON_ERR_DEFINITION_VALUE Pipeline "p" transformation 1 \(replace_string\) needs "regex", a regular expression \(.+\)/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:8:18 error CORDON_ERR_DEFINITION_VALUE .*transformation 2 \(replace_string\) needs "replacement".*\(it has a reference to group 2, which the pattern lacks\)/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:10:33 error CORDON_ERR_DEFINITION_REQUIRED .*transformation 3 \(drop_detection_item\) match_string needs "cond"/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:13:5 error CORDON_ERR_PIPELINE_UNSUPPORTED .*transformation 4 \(field_name_prefix\) has detection_item_conditions, which only select for the transformations that act on detection items/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:15:19 error CORDON_ERR_DEFINITION_TYPE .*transformation 5 \(map_string\) maps "a" to something other than a string or a list of strings/,
      ),
      expect.stringMatching(
        /^p\.pipeline\.yaml:17:12 error CORDON_ERR_DEFINITION_VALUE .*transformation 6 \(set_value\) cannot be made a number \(force_type: num\); got "abc"\./,
      ),
    ]);
  });

  it('a value with problems is reported, never taken for a detection_item_failure or drop', () => {
    const { ruleSet, diagnostics } = build(
      rule('sel: { CommandLine|contians: foo }\ncondition: sel'),
      {
        'p.pipeline.yaml': pipeline(`
        - type: detection_item_failure
          message: null tests unsupported
          detection_item_conditions: [{ type: is_null, cond: all }]
      `),
      },
    );
    expect(ruleSet).toBeUndefined();
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /^rules\.yaml:5:10 error CORDON_ERR_RULE_MODIFIER .*unknown modifier "contians"/,
      ),
    ]);
  });

  it("Python's \\A and \\Z anchor the whole value; an escape JavaScript reads otherwise is refused", () => {
    const d = detection(
      rule('sel: { A: foo.exe }\ncondition: sel'),
      pipeline(`
        - type: replace_string
          regex: '\\A(\\w+)\\.exe\\Z'
          replacement: '\\1.bin'
      `),
    );
    expect(d.matches(log({ A: 'foo.bin' }))).toBe(true);
    expect(d.matches(log({ A: 'foo.exe' }))).toBe(false);
    const { diagnostics } = build(rule('sel: { labels.a: a }\ncondition: sel'), {
      'p.pipeline.yaml': pipeline(`
        - type: replace_string
          regex: 'a\\N{DASH}'
          replacement: x
      `),
    });
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /error CORDON_ERR_DEFINITION_VALUE .*needs "regex", a regular expression \(the escape "\\N", which JavaScript reads otherwise\)/,
      ),
    ]);
  });

  it('match_value compares the parsed Sigma string; a set_value null on several values is null', () => {
    const d = detection(
      rule(`
        sel:
          Dir: 'C:\\Windows'
          Opt: [x, y]
        condition: sel
      `),
      pipeline(`
        - type: set_value
          value: D
          detection_item_conditions: [{ type: match_value, value: 'C:\\Windows', cond: any }]
        - type: set_value
          value: null
          field_name_conditions: [{ type: include_fields, fields: [Opt] }]
      `),
    );
    expect(d.matches(log({ Dir: 'D' }))).toBe(true);
    expect(d.matches(log({ Dir: 'C:\\Windows' }))).toBe(false);
    expect(d.matches(log({ Dir: 'D', Opt: 'x' }))).toBe(false);
  });

  it('a negation with no conditions selects no field or item, but every rule, as in pySigma', () => {
    const d = detection(
      rule('sel: { A: a }\ncondition: sel'),
      pipeline(`
        - type: set_value
          value: b
          detection_item_cond_not: true
        - type: set_value
          value: c
          field_name_cond_not: true
        - type: set_value
          value: d
          rule_cond_not: true
      `),
    );
    expect(d.matches(log({ A: 'd' }))).toBe(true);
    expect(d.matches(log({ A: 'a' }))).toBe(false);
  });

  it('a rule whose searches were all dropped keeps the conditions a pipeline adds', () => {
    const d = detection(
      rule('sel: { A: x }\ncondition: sel'),
      pipeline(`
        - type: add_condition
          conditions: { C: z }
        - type: drop_detection_item
          field_name_conditions: [{ type: include_fields, fields: [A] }]
      `),
    );
    expect(d.reads).toEqual(['labels.C']);
    expect(d.matches(log({ C: 'z' }))).toBe(true);
    expect(d.matches(log({ A: 'x' }))).toBe(false);
  });

  it('a field mapped to several names that map nowhere is reported once', () => {
    const { diagnostics } = build(rule('sel: { A: x }\ncondition: sel'), {
      'p.pipeline.yaml':
        'name: p\ntransformations:\n  - type: field_name_mapping\n    mapping: { A: [nope1, nope2] }\n',
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain(
      'error CORDON_ERR_RULE_FIELD Rule "t" field "A" maps to no canonical event path; got "nope1"',
    );
  });

  it('case, convert_type and regex rewrite values as pySigma does, anchored where pySigma leaves it to the backend', () => {
    const d = detection(
      rule(`
        sel:
          Name|cased: ProcessCreate*
          Code: '42'
          Port: 8080
          Path|endswith: '\\Temp\\x.exe'
          Exact: abc
        condition: sel
      `),
      pipeline(`
        - type: case
          method: snake_case
          field_name_conditions: [{ type: include_fields, fields: [Name] }]
        - type: convert_type
          target_type: num
          field_name_conditions: [{ type: include_fields, fields: [Code] }]
        - type: convert_type
          target_type: str
          field_name_conditions: [{ type: include_fields, fields: [Port] }]
        - type: regex
          field_name_conditions: [{ type: include_fields, fields: [Path] }]
        - type: regex
          method: plain
          field_name_conditions: [{ type: include_fields, fields: [Exact] }]
      `),
    );
    const hit = {
      Name: 'process_create_x',
      Code: '42.0',
      Port: '8080',
      Path: 'C:\\TEMP\\X.EXE',
      Exact: 'abc',
    };
    expect(d.matches(log(hit))).toBe(true);
    expect(d.matches(log({ ...hit, Name: 'ProcessCreate' }))).toBe(false);
    expect(d.matches(log({ ...hit, Path: 'C:\\Temp\\x.exe.bak' }))).toBe(false);
    // plain: case-sensitive, and still a whole-value match.
    expect(d.matches(log({ ...hit, Exact: 'ABC' }))).toBe(false);
    expect(d.matches(log({ ...hit, Exact: 'xabc' }))).toBe(false);

    const { ruleSet, diagnostics } = build(rule('sel: { Code: abc }\ncondition: sel'), {
      'p.pipeline.yaml': pipeline(`
        - type: convert_type
          target_type: num
      `),
    });
    expect(ruleSet?.detections.size).toBe(0);
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE .*refuses it with "value \"abc\" cannot be converted to a number"/,
      ),
    ]);
  });

  it('hashes_fields splits a Hashes value into one field per algorithm, any of which may match', () => {
    const d = detection(
      rule(`
        sel:
          Hashes|contains:
            - 'SHA256=ABC123'
            - 'IMPHASH=E772C8'
            - 'MD5|0123'
            - 'd41d8cd98f00b204e9800998ecf8427e'
            - 'CRC32=1234'
        condition: sel
      `),
      pipeline(`
        - type: hashes_fields
          valid_hash_algos: [MD5, SHA256, IMPHASH]
          field_prefix: File
      `),
    );
    expect(d.reads).toEqual(['labels.FileIMPHASH', 'labels.FileMD5', 'labels.FileSHA256']);
    expect(d.matches(log({ FileSHA256: 'abc123' }))).toBe(true);
    expect(d.matches(log({ FileMD5: 'd41d8cd98f00b204e9800998ecf8427e' }))).toBe(true);
    expect(d.matches(log({ FileMD5: '0123' }))).toBe(true);
    // Exact values now, not "contains"; an algorithm left out is not searched for.
    expect(d.matches(log({ FileSHA256: 'xabc123' }))).toBe(false);
    expect(d.matches(log({ FileCRC32: '1234' }))).toBe(false);

    const { ruleSet, diagnostics } = build(rule("sel: { Hashes: 'CRC32=1' }\ncondition: sel"), {
      'p.pipeline.yaml': pipeline(`
        - type: hashes_fields
          valid_hash_algos: [MD5]
      `),
    });
    expect(ruleSet?.detections.size).toBe(0);
    expect(diagnostics).toEqual([
      expect.stringMatching(
        /warning CORDON_WARN_RULE_SKIPPED_BY_PIPELINE .*"No valid hash algorithm found in Hashes\. Please use one of the following: MD5"/,
      ),
    ]);
  });

  it('regex keeps a value a pattern (no backtracking), decides its case, and works on keywords', () => {
    const d = detection(
      rule(`
        sel:
          A|cased: '*a*a*a*a*b*'
          B|cased: Abc
        kw:
          - Evil
        condition: sel and kw
      `),
      pipeline(`
        - type: regex
      `),
    );
    const hit = { A: 'xAyaza-a-b', B: 'aBC', Prompt: 'so EVIL' };
    expect(d.matches(log(hit))).toBe(true);
    // A long value that almost matches: a regular expression of the wildcards would backtrack
    // for ages here; the pattern answers at once.
    expect(d.matches(log({ ...hit, A: 'a'.repeat(5000) }))).toBe(false);
    const plain = detection(
      rule('sel: { B: Abc }\ncondition: sel'),
      pipeline('- type: regex\n  method: plain'),
    );
    expect(plain.matches(log({ B: 'Abc' }))).toBe(true);
    expect(plain.matches(log({ B: 'abc' }))).toBe(false);
    // An expression is no string to the string transformations and value conditions after it,
    // as pySigma's SigmaRegularExpression is not: case and replace_string leave it alone, and
    // match_string does not select it.
    const after = detection(
      rule('sel: { B: Abc }\ncondition: sel'),
      pipeline(`
        - type: regex
          method: plain
        - type: case
          method: lower
        - type: replace_string
          regex: A
          replacement: Z
        - type: set_value
          value: matched
          detection_item_conditions: [{ type: match_string, cond: any, pattern: '^A' }]
      `),
    );
    expect(after.matches(log({ B: 'Abc' }))).toBe(true);
    expect(after.matches(log({ B: 'abc' }))).toBe(false);
    expect(after.matches(log({ B: 'Zbc' }))).toBe(false);
    expect(after.matches(log({ B: 'matched' }))).toBe(false);
    // An empty string stays a string (pySigma's regex leaves it), so map_string still maps it.
    const empty = detection(
      rule("sel: { B: '' }\ncondition: sel"),
      pipeline(`
        - type: regex
          method: plain
        - type: map_string
          mapping: { '': none }
      `),
    );
    expect(empty.matches(log({ B: 'none' }))).toBe(true);
    expect(empty.matches(log({ B: '' }))).toBe(false);
  });

  it('hashes_fields makes plain items: |all no longer joins the hashes, and an empty field name is left out', () => {
    const d = detection(
      rule(`
        sel:
          Hashes|contains|all: ['MD5=aa', 'MD5=bb', 'SHA1=cc']
        condition: sel
      `),
      pipeline(`
        - type: hashes_fields
          valid_hash_algos: [MD5]
          field_prefix: File
      `),
    );
    expect(d.matches(log({ FileMD5: 'aa' }))).toBe(true);
    expect(d.matches(log({ FileMD5: 'bb' }))).toBe(true);
    const { ruleSet, diagnostics } = build(rule("sel: { Hashes: 'MD5=aa' }\ncondition: sel"), {
      'p.pipeline.yaml': pipeline(`
        - type: hashes_fields
          valid_hash_algos: [MD5]
          drop_algo_prefix: true
      `),
    });
    expect(ruleSet?.detections.size).toBe(0);
    expect(diagnostics).toEqual([
      expect.stringContaining('No valid hash algorithm found in Hashes'),
    ]);
  });
});
