/**
 * `cordon replay` and `cordon test` as users run them: the built CLI in a real process, on the
 * shipped content and on files written here. Offline: neither needs Redis.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function cordon(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', CORDON_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** 101 requests from one new key within a minute (the shipped extraction rule's threshold). */
function burst(key: string, source?: string): string[] {
  return Array.from({ length: 101 }, (_, i) =>
    JSON.stringify({
      id: `${key}-${i}`,
      time: T0 + i * 500,
      kind: 'inference',
      name: 'predict',
      ...(source ? { source } : {}),
      entity: { api_key: key, model: 'm1' },
    }),
  );
}

/** Content of one rule file, a fixture under test/fixtures/correlations. */
function rulesOnly(label: string, fixture: string): string {
  const content = tempDir(label);
  mkdirSync(join(content, 'correlations'));
  copyFileSync(
    join(REPO_ROOT, 'test', 'fixtures', 'correlations', fixture),
    join(content, 'correlations', 'rules.yaml'),
  );
  return content;
}

function file(lines: readonly string[]): string {
  const dir = tempDir('replay');
  const path = join(dir, 'events.ndjson');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('cordon replay', () => {
  it('prints one JSON line per match with what an analyst needs, the same with or without workers', () => {
    const input = file([...burst('k1', 'gateway'), ...burst('k2')]);
    // No threads, two, and the default (threads that follow what the applying thread needs).
    const runs = [['--workers', '0'], ['--workers', '2'], []].map((w) =>
      cordon(['replay', '--json', ...w, input]),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [serial, parallel, adaptive] = runs.map((r) =>
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
    expect(parallel).toEqual(serial);
    expect(adaptive).toEqual(serial);
    const extraction = (serial ?? []).filter((m) => m.rule === 'model_extraction_by_query_volume');
    expect(extraction.map((m) => m.group)).toEqual([{ api_key: 'k1' }, { api_key: 'k2' }]);
    const [first] = extraction;
    expect(first).toMatchObject({
      title: 'Model extraction by query volume',
      level: 'high',
      count: 101,
      firstTime: T0,
      lastTime: T0 + 100 * 500,
      windowEnd: T0 + 100 * 500,
      late: false,
    });
    expect(first?.tags).toContain('atlas.AML.T0024');
    expect(typeof first?.matchId).toBe('string');
    // Contributing events by source and id; a "source" in the line is kept.
    expect((first?.events as string[])[0]).toBe('gateway/k1-0');
    expect((extraction[1]?.events as string[])[0]).toBe('replay/k2-0');
    expect(runs[0]?.stderr).toMatch(/model_extraction_by_query_volume\s+baseline_spike\s+202\s+2/);
  });

  it('says an input that is not there is not there, without a stack trace', () => {
    const missing = join(tempDir('replay-missing'), 'nope.ndjson');
    const run = cordon(['replay', missing]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `cordon replay: ${missing}: no such file or directory; name an NDJSON file, a directory of them, or - for stdin.`,
    );
  });

  it('reports bad lines by number and skips repeated events as ingest would', () => {
    const lines = burst('k3');
    const input = file([
      ...lines.slice(0, 60),
      '{"kind": "inference", "time": "yesterday"}',
      'not json',
      ...lines.slice(0, 60), // delivered twice: must not count twice
      ...lines.slice(60, 100), // 100 distinct events: one short of the threshold
    ]);
    const run = cordon(['replay', '--json', input]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('');
    expect(run.stderr).toMatch(/events\.ndjson:61: \/time /);
    expect(run.stderr).toMatch(/events\.ndjson:62: not JSON/);
    expect(run.stderr).toMatch(/100 events in .*, 0 matches, 2 bad lines, 60 duplicates skipped\./);
  });

  it('does not take distinct events that no rule reads for duplicates, with or without workers', () => {
    const unread = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ id: `alert-${i}`, time: T0 + i, kind: 'alert', name: 'disk full' }),
    );
    const unrouted = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ id: `login-${i}`, time: T0 + i, kind: 'login', outcome: 'success' }),
    );
    const input = file([...unread, ...unrouted, unread[0] as string]);
    // By default a file this small is routed on the main thread (on two cores; elsewhere by
    // threads), in the threads' way.
    for (const workers of ['0', '2', undefined]) {
      const run = cordon(['replay', ...(workers ? ['--workers', workers] : []), input]);
      expect(run.code, run.stderr).toBe(0);
      // With threads, none of the eleven lines is parsed: no detection of the shipped rules can
      // match an alert named "disk full" or a successful login, as their top-level fields say.
      expect(run.stderr).toMatch(
        workers === '0'
          ? /\n10 events in .*, 0 matches, 1 duplicate skipped\.\n/
          : /\n10 events in .*, 0 matches, 1 duplicate skipped; 11 lines no detection could match counted without parsing\.\n/,
      );
      // Nothing but the per-rule table and that line.
      expect(run.stderr).toMatch(/^rule +type +events/);
    }
  });

  it('drops the byte-order mark a Windows editor puts at the start of a file, with or without workers', () => {
    const dir = tempDir('replay-bom');
    const path = join(dir, 'events.ndjson');
    // A mark anywhere else starts a bad line, with or without workers alike.
    const lines = burst('k1');
    writeFileSync(path, `\ufeff${lines.join('\n')}\n\ufeff${lines[0] as string}\n`);
    const runs = ['0', '2'].map((workers) =>
      cordon(['replay', '--json', '--workers', workers, path]),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/\n101 events in .*, 1 bad line\b/);
      expect(run.stderr).toMatch(/events\.ndjson:102: not JSON/);
    }
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
    expect(runs[0]?.stdout).toMatch(/model_extraction_by_query_volume/);
  });

  it('reads in full a line no rule reads when its time or id is one the full read refuses', () => {
    // Only logins are read here. A time in microseconds and an empty id, on audit lines:
    // counted as they were, the first would move the watermark decades ahead and make the
    // second user's failures late, and both would be events where a full read refuses them.
    const content = rulesOnly('replay-unread', 'login-brute-force.yaml');
    const failures = (user: string, from: number): string[] =>
      Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({
          id: `${user}-${i}`,
          time: T0 + from + i * 1000,
          kind: 'login',
          outcome: 'failure',
          entity: { user },
        }),
      );
    const input = file([
      ...failures('u1', 0),
      JSON.stringify({ id: 'a1', time: 176722560000000, kind: 'audit', name: 'tick' }),
      JSON.stringify({ id: '', time: T0 + 10_000, kind: 'audit', name: 'tick' }),
      ...failures('u2', 10_000),
    ]);
    const runs = ['0', '2'].map((workers) =>
      cordon(['replay', '--json', '--workers', workers, '--content', content, input]),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/\n10 events in .*, 2 matches, 2 bad lines/);
    }
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
  });

  it('skips parsing only lines no detection can match, finding the same with or without workers', () => {
    // Failures are read; successes are decided on their outcome alone and not parsed. A
    // failure whose outcome is escaped, and a success whose outcome is null, are read in full.
    const content = rulesOnly('replay-probe', 'login-brute-force.yaml');
    const login = (id: string, user: string, i: number, outcome: string): string =>
      `{"id":"${id}","time":${T0 + i * 1000},"kind":"login","outcome":${outcome},"entity":{"user":"${user}"}}`;
    const lines: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      lines.push(login(`f1-${i}`, 'u1', i, '"failure"'));
      lines.push(login(`s1-${i}`, 'u1', i, '"success"'));
      lines.push(login(`f2-${i}`, 'u2', i, i === 2 ? '"fail\\u0075re"' : '"failure"'));
      lines.push(login(`n3-${i}`, 'u3', i, i === 4 ? 'null' : '"success"'));
    }
    lines.push(lines[1] as string); // a repeated success: a duplicate either way
    // A success with a key no canonical event has: refused and reported either way, so its
    // id does not hide the failure that reuses it.
    lines.push(login('f3-0', 'u3', 5, '"success","colour":"red"'));
    for (let i = 0; i < 5; i += 1) lines.push(login(`f3-${i}`, 'u3', 5 + i, '"failure"'));
    const input = file(lines);
    const runs = ['0', '2'].map((workers) =>
      cordon(['replay', '--json', '--workers', workers, '--content', content, input]),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/events\.ndjson:22: \/colour /);
    }
    expect(runs[0]?.stderr).toMatch(
      /\n25 events in .*, 3 matches, 1 bad line, 1 duplicate skipped\.\n/,
    );
    // The threads parse neither the nine plain successes nor the repeated one; the escaped
    // failure, the null outcome and the bad line are read in full.
    expect(runs[1]?.stderr).toMatch(
      /\n25 events in .*, 3 matches, 1 bad line, 1 duplicate skipped; 10 lines no detection could match counted without parsing\.\n/,
    );
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
    const users = (runs[1]?.stdout ?? '')
      .trim()
      .split('\n')
      .map((l) => Object.values((JSON.parse(l) as { group: object }).group).join());
    expect(users.sort()).toEqual(['u1', 'u2', 'u3']);
  });

  it('prints a retraction line naming the match a later event withdraws, with or without workers', () => {
    const content = rulesOnly('replay-retract', 'unapproved-key.yaml');
    // Playbooks cannot change what rules find: replay neither reads nor checks them.
    mkdirSync(join(content, 'playbooks'));
    writeFileSync(join(content, 'playbooks', 'broken.yaml'), 'id: [not, a, playbook\n');
    const event = (id: string, name: string, time: number, received = time): string =>
      JSON.stringify({ id, kind: 'audit', name, time, received, entity: { user: 'u1' } });
    const input = file([
      event('c1', 'key_created', T0),
      event('tick', 'other', T0 + 6 * 60_000),
      // Recorded after the absence was reported, though it happened within the window.
      event('a1', 'key_approved', T0 + 60_000, T0 + 7 * 60_000),
    ]);
    for (const workers of ['0', '2']) {
      const run = cordon(['replay', '--json', '--workers', workers, '--content', content, input]);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(2);
      const [match, retraction] = lines;
      expect(match).toMatchObject({ rule: 'unapproved_key', group: { user: 'u1' } });
      expect(retraction).toMatchObject({
        retracted: match?.matchId,
        rule: 'unapproved_key',
        group: { user: 'u1' },
        by: 'replay/a1',
        time: T0 + 60_000,
        tooLate: true,
      });
      expect(run.stderr).toMatch(/1 matches, 1 retraction/);
    }
  });

  it('applies a processing pipeline beside the rules, with or without workers', () => {
    // A SigmaHQ-style Windows rule whose fields a pipeline reads from labels, on `log`
    // events; a burst of three per host opens a match grouped by the mapped host field.
    const content = tempDir('replay-pipeline');
    mkdirSync(join(content, 'correlations'));
    writeFileSync(
      join(content, 'correlations', 'windows.pipeline.yaml'),
      [
        'name: windows-labels',
        'transformations:',
        '  - type: field_name_mapping',
        '    mapping: { Computer: entity.host }',
        '  - type: field_name_prefix',
        '    prefix: labels.',
        '    field_name_conditions: [{ type: exclude_fields, fields: [entity.host] }]',
        '    rule_conditions: [{ type: logsource, product: windows }]',
        '  - type: change_logsource',
        '    category: log',
        '    rule_conditions: [{ type: logsource, product: windows }]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(content, 'correlations', 'rules.yaml'),
      [
        'title: Whoami run',
        'name: whoami_run',
        'logsource: { product: windows, category: process_creation }',
        "detection: { sel: { Image|endswith: '\\whoami.exe' }, condition: sel }",
        '---',
        'title: Whoami burst',
        'name: whoami_burst',
        'correlation: { type: event_count, rules: [whoami_run], group-by: [Computer], timespan: 1m, condition: { gte: 3 } }',
        '',
      ].join('\n'),
    );
    const proc = (id: string, i: number, host: string, image: string): string =>
      JSON.stringify({
        id,
        time: T0 + i * 1000,
        kind: 'log',
        name: 'process_creation',
        entity: { host },
        labels: { Image: image },
      });
    const lines: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      lines.push(proc(`a-${i}`, i, 'ws-1', 'C:\\Windows\\System32\\whoami.exe'));
      lines.push(proc(`b-${i}`, i, 'ws-2', 'C:\\Windows\\explorer.exe'));
    }
    const input = file(lines);
    const runs = ['0', '2'].map((workers) =>
      cordon(['replay', '--json', '--workers', workers, '--content', content, input]),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs[1]?.stdout).toBe(runs[0]?.stdout);
    const matches = (runs[0]?.stdout ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; group: object; count: number });
    const burst = matches.filter((m) => m.rule === 'whoami_burst');
    expect(burst).toMatchObject([{ group: { Computer: 'ws-1' }, count: 3 }]);
  });

  it('refuses unknown options and missing input with the usage', () => {
    const run = cordon(['replay', '--frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option "--frobnicate"/);
    expect(run.stderr).toMatch(/Usage: cordon replay/);
  });
});

describe('cordon test', () => {
  it('passes on the shipped rule pack', () => {
    const run = cordon(['test']);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/\n\d+ passed, 0 failed\.\n$/);
  });

  it('fails, saying why, when a rule does not do what its test expects', () => {
    const dir = tempDir('ruletest');
    mkdirSync(join(dir, 'correlations'));
    writeFileSync(
      join(dir, 'correlations', 'burst.yaml'),
      `title: Request
name: request
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
---
title: Burst
name: burst
level: high
correlation: { type: event_count, rules: [request], group-by: [api_key], timespan: 1m, condition: { gte: 5 } }
`,
    );
    writeFileSync(
      join(dir, 'correlations', 'burst.test.yaml'),
      `tests:
  - name: five requests fire
    events:
      - { at: 0s, repeat: 5, every: 1s, event: { kind: inference, entity: { api_key: k1 } } }
    expect:
      - { rule: burst, group: { api_key: k1 }, count: 5 }
  - name: four requests fire too (wrong on purpose)
    events:
      - { at: 0s, repeat: 4, every: 1s, event: { kind: inference, entity: { api_key: k1 } } }
    expect:
      - { rule: burst, group: { api_key: k1 } }
`,
    );
    const run = cordon(['test', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ok {4}.*burst\.test\.yaml:2 five requests fire/);
    expect(run.stdout).toMatch(/FAIL {2}.*burst\.test\.yaml:7 four requests fire too/);
    expect(run.stdout).toMatch(/1 passed, 1 failed\./);
  });
});
