import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { SCHEMAS, schemaText } from '../../../src/schemas/index.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>(
  Object.keys(SCHEMAS).map((name) => [name, ajv.compile(JSON.parse(schemaText(name) ?? '{}'))]),
);

function check(name: string, doc: unknown): string[] {
  const validate = validators.get(name);
  if (!validate) throw new Error(`no schema ${name}`);
  return validate(doc)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `${dir}/${f}`);
}

function documents(relative: string): unknown[] {
  return loadAll(readFileSync(join(REPO_ROOT, relative), 'utf8')).filter((d) => d != null);
}

const SHIPPED = ['correlations', 'connectors', 'playbooks'].flatMap(yamlFiles);

describe('JSON Schemas', () => {
  it('the committed schemas/ files are what the code generates (npm run schemas)', () => {
    const committed = readdirSync(join(REPO_ROOT, 'schemas')).sort();
    expect(committed).toEqual(
      Object.keys(SCHEMAS)
        .map((n) => `${n}.schema.json`)
        .sort(),
    );
    for (const name of Object.keys(SCHEMAS)) {
      const file = readFileSync(join(REPO_ROOT, 'schemas', `${name}.schema.json`), 'utf8');
      expect(file, `schemas/${name}.schema.json is stale: run npm run schemas`).toBe(
        schemaText(name),
      );
    }
  });

  it('every shipped YAML file names its schema on its first line and validates against it', () => {
    expect(SHIPPED.length).toBeGreaterThan(20);
    for (const file of SHIPPED) {
      const first = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n')[0] ?? '';
      const name = /^# yaml-language-server: \$schema=\.\.\/schemas\/([a-z-]+)\.schema\.json$/.exec(
        first,
      )?.[1];
      const expected = `${file.split('/')[0]?.replace(/s$/, '')}${file.endsWith('.test.yaml') ? '-test' : ''}`;
      expect({ file, schema: name }).toEqual({ file, schema: expected });
      for (const doc of documents(file))
        expect({ file, errors: check(expected, doc) }).toEqual({ file, errors: [] });
    }
  });

  it('the example processing pipeline validates against the pipeline schema, which knows each implemented type', () => {
    for (const file of [
      'docs/pipelines/sigmahq-labels.pipeline.yaml',
      'test/fixtures/sigma/spec-fields.pipeline.yaml',
    ])
      for (const doc of documents(file))
        expect({ file, errors: check('pipeline', doc) }).toEqual({ file, errors: [] });
    const item = (t: object) => ({ name: 'p', transformations: [t] });
    expect(
      check('pipeline', item({ type: 'field_name_mapping', mapping: { A: 'labels.a' } })),
    ).toEqual([]);
    expect(check('pipeline', item({ type: 'field_name_mapping' })).length).toBeGreaterThan(0);
    expect(
      check('pipeline', item({ type: 'replace_string', regex: 'a', replacement: 'b' })),
    ).toEqual([]);
    const nest = (inner: object) => ({ type: 'nest', items: [inner] });
    expect(check('pipeline', item(nest(nest({ type: 'set_state', key: 'k', val: 1 }))))).toEqual(
      [],
    );
    expect(
      check('pipeline', item(nest({ type: 'set_stat', key: 'k', val: 1 }))).length,
    ).toBeGreaterThan(0);
    expect(check('pipeline', item({ type: 'nest', items: null })).length).toBeGreaterThan(0);
    const drop = {
      type: 'drop_detection_item',
      field_name_conditions: [{ type: 'include_fields', fields: ['EventID'] }],
      detection_item_conditions: [{ type: 'match_string', pattern: '^1', cond: 'any' }],
    };
    expect(check('pipeline', item(drop))).toEqual([]);
    const named = {
      type: 'set_value',
      value: 'x',
      rule_conditions: {
        win: { type: 'logsource', product: 'windows' },
        high: { type: 'rule_attribute', attribute: 'level', op: 'gte', value: 'high' },
      },
      rule_cond_expr: 'win and not high',
    };
    expect(check('pipeline', item(named))).toEqual([]);
    const { rule_cond_expr: _expr, ...byOp } = named;
    expect(check('pipeline', item({ ...byOp, rule_cond_op: 'or' }))).toEqual([]);
    for (const wrong of [
      { ...named, rule_cond_op: 'and' },
      { ...named, rule_conditions: [{ type: 'is_sigma_rule' }] },
      { type: 'set_value', value: 'x', rule_cond_expr: 'a' },
    ])
      expect(check('pipeline', item(wrong)).length).toBeGreaterThan(0);
    expect(
      check('pipeline', item({ ...drop, detection_item_conditions: [{ type: 'is_null' }] })).length,
    ).toBeGreaterThan(0);
    expect(
      check('pipeline', item({ type: 'rule_failure', message: 'no', colour: 'red' })).length,
    ).toBeGreaterThan(0);
    const contains = (condition: Record<string, unknown>) =>
      check(
        'pipeline',
        item({ type: 'rule_failure', message: 'no', rule_conditions: [condition] }),
      );
    expect(contains({ type: 'contains_field', field: 'Image' })).toEqual([]);
    expect(contains({ type: 'contains_detection_item', field: 'Image', value: null })).toEqual([]);
    for (const wrong of [
      { type: 'contains_field' },
      { type: 'contains_field', field: 'Image', value: 'x' },
      { type: 'contains_detection_item', field: 'Image' },
      { type: 'contains_detection_item', field: 'Image', value: ['x'] },
    ])
      expect(contains(wrong).length).toBeGreaterThan(0);
  });

  it('accepts the valid playbook fixtures and refuses shapes the validator refuses', () => {
    for (const file of yamlFiles('test/fixtures/playbooks/valid'))
      for (const doc of documents(file))
        expect({ file, errors: check('playbook', doc) }).toEqual({ file, errors: [] });
    for (const bad of [
      'state-no-kind.yaml',
      'state-two-kinds.yaml',
      'approval-unknown-key.yaml',
      'retry-backoff-unknown.yaml',
      'end-unknown-outcome.yaml',
      'automatic-not-boolean.yaml',
      'bad-id-format.yaml',
      'approval-without-timeout.yaml',
      'retry-attempts-zero.yaml',
    ]) {
      const [doc] = documents(`test/fixtures/playbooks/invalid/${bad}`);
      expect({ bad, refused: check('playbook', doc).length > 0 }).toEqual({ bad, refused: true });
    }
  });

  it("checks an action's inputs by its operation, from the operation catalogue", () => {
    const playbook = (withInputs: Record<string, unknown>): unknown => ({
      id: 'p',
      on: { correlation: 'r' },
      start: 'a',
      states: {
        a: { action: 'ratelimit.set', with: withInputs, next: 'b' },
        b: { end: 'resolved' },
      },
    });
    expect(check('playbook', playbook({ key: '{{ incident.id }}', limit: '10/m' }))).toEqual([]);
    expect(check('playbook', playbook({ key: 'k', limit: '10/m', limt: 1 })).join('\n')).toMatch(
      /must NOT have additional properties/,
    );
    expect(check('playbook', playbook({ limit: '10/m' })).join('\n')).toMatch(
      /must have required property 'key'/,
    );
  });

  it('refuses malformed playbook tests and connectors', () => {
    expect(
      check('playbook-test', { tests: [{ name: 'x', incident: {}, expect: {} }] }),
    ).not.toEqual([]);
    expect(
      check('playbook-test', {
        tests: [
          {
            name: 'x',
            incident: {},
            script: [{ approve: 'a', advance: '1m' }],
            expect: { status: 'resolved' },
          },
        ],
      }),
    ).not.toEqual([]);
    expect(check('connector', { name: 'gw', type: 'no-such-type' })).not.toEqual([]);
    expect(check('connector', { name: 'gw', type: 'builtin-limiter' })).toEqual([]);
  });
});
