import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { schemaText } from '../../../src/schemas/index.js';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { PlaybookContext } from '../../../src/playbook/definition/types.js';
import { PlaybookCatalog } from '../../../src/playbook/runtime/playbook-catalog.js';
import { sourcesOfRefs } from '../../../src/playbook/runtime/trigger-match.js';
import { describeTrigger } from '../../../src/playbook/definition/trigger-filters.js';
import { formatPlan, planRun } from '../../../src/playbook/tooling/plan.js';
import { playbookGraph } from '../../../src/playbook/tooling/graph.js';
import type { RunStore } from '../../../src/store/run-store.js';

/** on: tags, source and group — validation with locations, and which incidents they accept. */
const CTX: PlaybookContext = {
  connectors: new Map([['gateway', 'builtin-limiter']]),
  rules: new Map([
    ['key_abuse', ['api_key', 'model']],
    ['key_spike', ['api_key']],
  ]),
};

/** A playbook whose `on:` is `on` (YAML lines indented by two); `on:` is on line 2. */
function playbook(on: string, id = 'trig'): string {
  return [`id: ${id}`, 'on:', on, 'start: done', 'states:', '  done: { end: resolved }', ''].join(
    '\n',
  );
}

function build(text: string) {
  return buildPlaybooks([{ file: 'playbooks/t.yaml', text }], CTX);
}

function errors(text: string) {
  return build(text).diagnostics.filter((d) => d.severity === 'error');
}

describe('validation of on.tags, on.source and on.group', () => {
  it('accepts every filter and keeps them in the definition', () => {
    const { playbooks, diagnostics } = build(
      playbook(
        [
          '  correlation: [key_abuse, key_spike]',
          '  tags: { all: [atlas.AML.T0024, "attack.*"] }',
          '  source: [litellm, "kong-*"]',
          '  group: { api_key: "k-*" }',
        ].join('\n'),
      ),
    );
    expect(diagnostics).toEqual([]);
    expect(playbooks?.[0]?.definition.trigger).toEqual({
      rules: ['key_abuse', 'key_spike'],
      severities: [],
      tags: { match: 'all', values: ['atlas.AML.T0024', 'attack.*'] },
      sources: ['litellm', 'kong-*'],
      group: { api_key: ['k-*'] },
    });
  });

  it('leaves the definition (and so its hash) unchanged when no filter is used', () => {
    const { playbooks } = build(playbook('  correlation: key_abuse'));
    expect(playbooks?.[0]?.definition.trigger).toEqual({ rules: ['key_abuse'], severities: [] });
  });

  it('refuses a group field that not every triggering rule groups by, at the key, naming the ones it may use', () => {
    const [err, ...rest] = errors(
      playbook(['  correlation: [key_abuse, key_spike]', '  group:', '    model: m1'].join('\n')),
    );
    expect(rest).toEqual([]);
    expect(err).toMatchObject({
      code: 'CORDON_ERR_PLAYBOOK_TRIGGER',
      file: 'playbooks/t.yaml',
      line: 5,
      column: 5,
      path: 'on.group.model',
    });
    expect(err?.message).toBe(
      'Playbook "trig" on.group filters on "model", which is not a group-by field of every triggering rule; use one of api_key.',
    );
  });

  it('suggests the close group field', () => {
    const [err] = errors(
      playbook(['  correlation: key_abuse', '  group: { api_kye: x }'].join('\n')),
    );
    expect(err?.message).toContain('did you mean "api_key"?');
    expect(err).toMatchObject({ line: 4, path: 'on.group.api_kye' });
  });

  it('locates a bad tags, source or group value and says what to write', () => {
    const found = errors(
      playbook(
        [
          '  correlation: key_abuse',
          '  tags: { some: [a] }', //  line 4
          '  source: 3', //             line 5
          '  group: { api_key: [] }', // line 6
        ].join('\n'),
      ),
    );
    expect(found.map((d) => [d.path, d.line, d.code])).toEqual([
      ['on.tags', 4, 'CORDON_ERR_PLAYBOOK_TRIGGER'],
      ['on.source', 5, 'CORDON_ERR_PLAYBOOK_TRIGGER'],
      ['on.group.api_key', 6, 'CORDON_ERR_PLAYBOOK_TRIGGER'],
    ]);
    expect(found[0]?.message).toContain('{ any: [...] } / { all: [...] }');
    expect(found[1]?.message).toContain('POST /v1/ingest/<source>');
    expect(found[2]?.message).toContain('a value or a list of values');
  });

  it('refuses a filter key it does not know, suggesting the close one', () => {
    const [err] = errors(playbook(['  correlation: key_abuse', '  sources: [litellm]'].join('\n')));
    expect(err?.code).toBe('CORDON_ERR_DEFINITION_UNKNOWN_KEY');
    expect(err?.message).toContain('"source"');
  });
});

describe('on.tags and on.source against the installation', () => {
  const known: PlaybookContext = {
    ...CTX,
    ruleTags: new Map([
      ['key_abuse', ['atlas.AML.T0024', 'attack.t1110']],
      ['key_spike', ['atlas.AML.T0024']],
    ]),
    sources: ['litellm', 'kong-eu', 'kong-us'],
  };
  const check = (on: string) =>
    buildPlaybooks([{ file: 'playbooks/t.yaml', text: playbook(on) }], known).diagnostics.filter(
      (d) => d.severity === 'error',
    );

  it('accepts tags some triggering rule carries (globs, any case) and sources that exist', () => {
    expect(
      check(
        [
          '  correlation: [key_abuse, key_spike]',
          '  tags: [ATLAS.aml.*, nowhere]',
          '  source: ["kong-*", litellm]',
        ].join('\n'),
      ),
    ).toEqual([]);
    expect(
      check(
        ['  correlation: key_abuse', '  tags: { all: [atlas.AML.T0024, attack.t1110] }'].join('\n'),
      ),
    ).toEqual([]);
  });

  it('refuses tags no incident of its rules can carry, naming each rule’s tags', () => {
    const [err] = check(
      ['  correlation: [key_abuse, key_spike]', '  tags: { all: [attack.t1110, x] }'].join('\n'),
    );
    expect(err).toMatchObject({ code: 'CORDON_ERR_PLAYBOOK_TRIGGER', path: 'on.tags', line: 4 });
    expect(err?.message).toContain(
      '"key_abuse" has atlas.AML.T0024, attack.t1110; "key_spike" has atlas.AML.T0024), so it would never start',
    );
  });

  it('warns at each tag of an any-of list that none of its rules carries, suggesting the close one', () => {
    const warnings = (on: string) =>
      buildPlaybooks([{ file: 'playbooks/t.yaml', text: playbook(on) }], known).diagnostics.filter(
        (d) => d.severity === 'warning',
      );
    const [dead, ...rest] = warnings(
      ['  correlation: [key_abuse, key_spike]', '  tags: [ATLAS.aml.*, atack.t1110]'].join('\n'),
    );
    expect(rest).toEqual([]);
    expect(dead).toMatchObject({
      code: 'CORDON_WARN_PLAYBOOK_TRIGGER_TAG',
      path: 'on.tags[1]',
      line: 4,
    });
    expect(dead?.message).toBe(
      'Playbook "trig" on.tags lists "atack.t1110", which none of its rules carries (they carry atlas.AML.T0024, attack.t1110), so it never decides whether the playbook starts. Did you mean "attack.t1110"? Remove it, or add the tag to the rule that should carry it.',
    );
    expect(
      warnings(['  correlation: key_abuse', '  tags: { any: [attack.t1110, nowhere] }'].join('\n')),
    ).toMatchObject([{ path: 'on.tags.any[1]' }]);
    // Every tag of an all-of list must be carried (else an error): nothing to warn about.
    expect(
      warnings(
        ['  correlation: key_abuse', '  tags: { all: [atlas.AML.T0024, attack.t1110] }'].join('\n'),
      ),
    ).toEqual([]);
    expect(warnings(['  correlation: key_abuse', '  tags: [attack.*]'].join('\n'))).toEqual([]);
  });

  it('refuses a source no connector is, at its list item, suggesting the close one', () => {
    const [err, ...rest] = check(
      ['  correlation: key_abuse', '  source: [litellm, litelm]'].join('\n'),
    );
    expect(rest).toEqual([]);
    expect(err).toMatchObject({ path: 'on.source[1]', line: 4, column: 21 });
    expect(err?.message).toBe(
      'Playbook "trig" on.source "litelm" matches no source connector in connectors/ (sources: litellm, kong-eu, kong-us). Did you mean "litellm"? Name a source connector (kind: source), or define it.',
    );
  });
});

describe('which incidents a trigger accepts', () => {
  const texts = [
    playbook(
      ['  correlation: key_abuse', '  tags: [atlas.aml.t0024, "x.*"]'].join('\n'),
      'any-tag',
    ),
    playbook(['  correlation: key_abuse', '  tags: { all: [a, b] }'].join('\n'), 'all-tags'),
    playbook(['  correlation: key_abuse', '  source: ["kong-*", litellm]'].join('\n'), 'by-source'),
    playbook(
      ['  correlation: key_abuse', '  group: { api_key: ["k-*", exact], model: m1 }'].join('\n'),
      'by-group',
    ),
  ];
  const { playbooks, diagnostics } = buildPlaybooks(
    texts.map((text, i) => ({ file: `p${i}.yaml`, text })),
    CTX,
  );
  const catalog = new PlaybookCatalog(playbooks ?? [], {} as RunStore);
  const base = {
    rule: 'key_abuse',
    severity: 'high' as const,
    tags: [] as string[],
    group: {} as Record<string, string>,
  };
  const ids = (incident: Partial<typeof base>, sources: string[] = []) =>
    catalog.forIncident({ ...base, ...incident }, sources).map((p) => p.definition.id);

  it('builds', () => expect(diagnostics).toEqual([]));

  it('tags: a list is any of them, case-insensitive, with globs', () => {
    expect(ids({ tags: ['ATLAS.AML.T0024'] })).toEqual(['any-tag']);
    expect(ids({ tags: ['x.y'] })).toEqual(['any-tag']);
    expect(ids({ tags: ['atlas.aml.t0020'] })).toEqual([]);
  });

  it('tags: { all } needs every one', () => {
    expect(ids({ tags: ['a'] })).toEqual([]);
    expect(ids({ tags: ['b', 'a', 'c'] })).toEqual(['all-tags']);
  });

  it('source: one of the opening match’s sources, exact or glob', () => {
    expect(ids({}, ['kong-eu'])).toEqual(['by-source']);
    expect(ids({}, ['splunk', 'litellm'])).toEqual(['by-source']);
    expect(ids({}, ['litellm-2'])).toEqual([]);
    expect(ids({}, [])).toEqual([]);
  });

  it('group: every listed field matches one of its values; a glob never matches a missing field', () => {
    expect(ids({ group: { api_key: 'k-123', model: 'm1' } })).toEqual(['by-group']);
    expect(ids({ group: { api_key: 'exact', model: 'm1' } })).toEqual(['by-group']);
    expect(ids({ group: { api_key: 'exactly', model: 'm1' } })).toEqual([]);
    expect(ids({ group: { api_key: 'k-1', model: 'm2' } })).toEqual([]);
    expect(ids({ group: { model: 'm1' } })).toEqual([]);
  });

  it('regex characters in a pattern are literal', () => {
    const { playbooks: dotted } = buildPlaybooks(
      [
        {
          file: 'd.yaml',
          text: playbook(['  correlation: key_abuse', '  group: { api_key: "a.b*" }'].join('\n')),
        },
      ],
      CTX,
    );
    const one = new PlaybookCatalog(dotted ?? [], {} as RunStore);
    const hit = (key: string) => one.forIncident({ ...base, group: { api_key: key } }).length;
    expect(hit('a.b-1')).toBe(1);
    expect(hit('axb-1')).toBe(0);
  });

  it('reads sources from "<source>/<id>" refs', () => {
    expect(sourcesOfRefs(['kong/e1', 'kong/e2', 'litellm/x/y', 'bad'])).toEqual([
      'kong',
      'litellm',
    ]);
  });

  it('adds the sources of the events beyond the refs’ cap', () => {
    expect(sourcesOfRefs(['kong/e1'], ['splunk', 'kong'])).toEqual(['splunk', 'kong']);
  });

  it('on.every_match: true is kept (and described); false or absent keeps the hash; else refused', () => {
    const build = (extra: string) =>
      buildPlaybooks([{ file: 'e.yaml', text: playbook(`  correlation: key_abuse${extra}`) }], CTX);
    const every = build('\n  every_match: true');
    expect(every.playbooks?.[0]?.definition.trigger.everyMatch).toBe(true);
    expect(
      describeTrigger(every.playbooks?.[0]?.definition.trigger ?? { rules: [], severities: [] }),
    ).toBe('on incidents of key_abuse; a run for every match that passes');
    const plain = build('');
    expect(build('\n  every_match: false').playbooks?.[0]?.hash).toBe(plain.playbooks?.[0]?.hash);
    expect(plain.playbooks?.[0]?.definition.trigger.everyMatch).toBeUndefined();
    expect(build('\n  every_match: yes please').diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_DEFINITION_TYPE',
        path: 'on.every_match',
        line: 4,
      }),
    );
  });
});

describe('cordon plan and cordon graph show the trigger', () => {
  const { playbooks } = build(
    playbook(
      [
        '  correlation: key_abuse',
        '  severity: [high, critical]',
        '  tags: [atlas.AML.T0024]',
        '  source: litellm',
        '  group: { api_key: "k-*" }',
      ].join('\n'),
    ),
  );
  const compiled = playbooks?.[0];
  const words =
    'on incidents of key_abuse; severity high or critical; tagged any of atlas.AML.T0024; from source litellm; group api_key = k-*';

  it('plan', () => {
    if (!compiled) throw new Error('did not build');
    const plan = planRun(compiled, { id: 'inc-1' });
    expect(plan.trigger).toBe(words);
    expect(formatPlan(plan, 'inc-1').split('\n')[1]).toBe(`Trigger: ${words}.`);
  });

  it('graph', () => {
    if (!compiled) throw new Error('did not build');
    expect(playbookGraph(compiled.definition).split('\n')).toContain(`  %% trigger: ${words}`);
  });
});

describe('the playbook JSON schema knows the filters', () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
    JSON.parse(schemaText('playbook') ?? '{}'),
  );
  const ok = (on: Record<string, unknown>): boolean =>
    validate({ id: 'p', on, start: 'done', states: { done: { end: 'resolved' } } });

  it('accepts what the validator accepts', () => {
    expect(ok({ correlation: 'r', tags: 'a' })).toBe(true);
    expect(ok({ correlation: 'r', tags: ['a', 'b'], source: ['kong-*'] })).toBe(true);
    expect(ok({ correlation: 'r', tags: { all: ['a'] }, group: { api_key: ['k-*', 'x'] } })).toBe(
      true,
    );
  });

  it('refuses what it refuses', () => {
    expect(ok({ correlation: 'r', tags: { some: ['a'] } })).toBe(false);
    expect(ok({ correlation: 'r', tags: { any: ['a'], all: ['b'] } })).toBe(false);
    expect(ok({ correlation: 'r', group: {} })).toBe(false);
    expect(ok({ correlation: 'r', group: { api_key: 3 } })).toBe(false);
    expect(ok({ correlation: 'r', sources: ['x'] })).toBe(false);
  });
});
