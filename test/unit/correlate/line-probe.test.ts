/**
 * A replay worker counts a line without parsing it only when no detection can match it: its
 * kind is read by no rule, or every detection of its kind reads only top-level fields read off
 * the text, and none matches them. Whenever the probe says "nothing", the full read of the
 * same line routes nothing (or refuses the line): a line skipped this way never hides a match.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../src/correlate/engine/engine.js';
import { readRecordedLine } from '../../../src/correlate/replay.js';
import { fieldsRead } from '../../../src/correlate/rule/detection/fields-read.js';
import { LineProbe } from '../../../src/correlate/routing/line-probe.js';
import { readTopLevelFields } from '../../../src/correlate/routing/top-level-fields.js';
import { parseRuleSources } from '../../../src/correlate/rule/parse-rules.js';
import { TEST_LIMITS, TEST_TIMING, compileRules } from '../../helpers/correlation-harness.js';
import { compileDetection, dedent, makeEvent } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

describe('fieldsRead', () => {
  const reads = (detection: string): readonly string[] | undefined =>
    compileDetection(`logsource: { category: login }\ndetection:\n${detection}`).reads;

  it('lists the canonical paths a detection reads, a field reference included', () => {
    expect(reads('  sel: { outcome: failure }\n  condition: sel')).toEqual(['outcome']);
    expect(
      reads(
        '  a: { outcome: failure, user|contains: adm }\n  b: { name|fieldref: kind }\n  condition: a or not b',
      ),
    ).toEqual(['entity.user', 'kind', 'name', 'outcome']);
    expect(reads('  sel: [{ severity: high }, { outcome: failure }]\n  condition: sel')).toEqual([
      'outcome',
      'severity',
    ]);
  });

  it('leaves out a search no condition names, and says "any" for a keyword search', () => {
    expect(
      reads('  sel: { outcome: failure }\n  unused: { user: root }\n  condition: sel'),
    ).toEqual(['outcome']);
    expect(reads('  words: [root]\n  condition: words')).toBeUndefined();
    expect(
      reads('  sel: { outcome: failure }\n  words: [root]\n  condition: sel and words'),
    ).toBeUndefined();
  });

  it('is computed from the parsed detection alone', () => {
    const text = dedent(`
      title: T
      name: t
      logsource: { category: login }
      detection: { sel: { outcome: failure }, condition: sel }
    `);
    const [rule] = parseRuleSources([{ file: 'r.yaml', text }]).rules;
    if (rule?.kind !== 'detection' || !rule.detection) throw new Error('not a detection');
    expect(fieldsRead(rule.detection)).toEqual(['outcome']);
  });
});

describe('LineProbe', () => {
  it('plans each kind by what its detections read', () => {
    const probe = new LineProbe(
      compileRules(`title: Failed login
name: failed_login
logsource: { category: login }
detection: { sel: { outcome: failure }, condition: sel }
---
title: Admin inference
name: admin_inference
logsource: { category: inference }
detection: { sel: { user: admin }, condition: sel }
---
title: Secret in a prompt
name: secret_prompt
logsource: { category: llm }
detection: { words: [password], condition: words }
`),
    );
    expect(probe.planOf('login')).toBe('probe');
    expect(probe.planOf('inference')).toBe('parse');
    expect(probe.planOf('llm')).toBe('parse');
    expect(probe.planOf('audit')).toBe('unread');
    expect(probe.planOf('no-such-kind')).toBe('parse');
    // A detection of every kind that reads past the top level: every kind is parsed.
    const any = new LineProbe(
      compileRules(`title: Tagged
name: tagged
detection: { sel: { labels.team: red }, condition: sel }
`),
    );
    expect(any.planOf('audit')).toBe('parse');
    // Detections that read more, but that top-level fields can rule out: still probed first.
    const screened = new LineProbe(
      compileRules(`title: Failed login, no provider outage
name: failed_login
logsource: { category: login }
detection:
  sel: { outcome: failure }
  outage: { labels.failure_reason: idp_unavailable }
  condition: sel and not outage
---
title: Throttled inference from a key
name: throttled
detection:
  sel: { kind: [inference, llm], status_code: 429 }
  condition: sel
`),
    );
    expect(screened.planOf('login')).toBe('probe');
    expect(screened.planOf('drift')).toBe('probe');
    // A detection of every kind that top-level fields never rule out (\`sel\` unknown, and
    // \`not other\` true for every kind but audit): every kind is parsed.
    const unscreened = new LineProbe(
      compileRules(`title: Any audit with a reason
name: audit_reason
detection:
  sel: { labels.reason|exists: true }
  other: { kind: audit }
  condition: sel or not other
`),
    );
    expect(unscreened.planOf('login')).toBe('parse');
    expect(unscreened.planOf('audit')).toBe('parse');
  });

  // Detections over top-level fields only, in the forms Sigma allows: values, wildcards,
  // negation, lists, `exists`, `null`, a field reference and a detection of every kind.
  const RULES = compileRules(`title: Failed login
name: failed_login
logsource: { category: login }
detection: { sel: { outcome: failure }, condition: sel }
---
title: Loud VPN login
name: loud_vpn
logsource: { category: login }
detection:
  vpn: { name|startswith: vpn }
  quiet: { severity: [info, low] }
  condition: vpn and not quiet
---
title: Named like its kind
name: named_like_kind
logsource: { category: audit }
detection: { sel: { name|fieldref: kind }, condition: sel }
---
title: Anything critical from the gateway
name: critical_gateway
detection: { sel: { severity: critical, source: gw }, condition: sel }
---
title: Not failed, not succeeded
name: neither
logsource: { category: metric }
detection:
  sel: { outcome|exists: true }
  known: { outcome: [success, failure] }
  condition: sel and not known
---
title: Success, unless the team says so
name: success_not_red
logsource: { category: login }
detection:
  sel: { outcome: success }
  red: { labels.team: red }
  words: [u2]
  condition: sel and not (red or words)
---
title: A user's alert
name: user_alert
detection: { sel: { kind: [alert, audit], entity.user: u1 }, condition: sel }
---
title: Burst of failures
name: failures_burst
correlation: { type: event_count, rules: [failed_login, loud_vpn], group-by: [entity.user], timespan: 1m, condition: { gte: 3 } }
`);

  const text = (values: readonly string[]) =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...values), weight: 6 },
      fc.string({ maxLength: 6 }),
      fc.constantFrom(null, 3, true, ['failure'], { a: 1 }, ' ', '', 'fail\u0075re', 'x"y'),
    );
  const line = fc
    .record(
      {
        id: fc.constantFrom('e1', 'e2', 'e3', '', 'x"y'),
        time: fc.constantFrom(T0, T0 + 1, T0 + 2, 2 ** 52, -1),
        kind: fc.constantFrom('login', 'audit', 'metric', 'alert', 'nope'),
        name: text(['vpn-eu', 'vpn', 'audit', 'sshd', 'VPN-x']),
        severity: text(['info', 'low', 'high', 'critical', 'warning']),
        outcome: text(['success', 'failure', 'unknown', 'firing', 'FAILURE']),
        source: fc.constantFrom('gw', 'gw', 'other', 'cordon', 'Bad Source'),
        entity: fc.constantFrom({ user: 'u1' }, { user: 'u2' }, { user: '' }, {}, null),
        labels: fc.constantFrom({}, { team: 'red' }, {}, 7),
      },
      { requiredKeys: ['id', 'time', 'kind'] },
    )
    .map((e) => JSON.stringify(e));

  it('says "nothing" only for lines whose full read routes nothing or is refused', () => {
    const probe = new LineProbe(RULES);
    const engine = new CorrelationEngine(RULES, { limits: TEST_LIMITS, timing: TEST_TIMING });
    let skipped = 0;
    let routed = 0;
    fc.assert(
      fc.property(line, (l) => {
        const fields = readTopLevelFields(l);
        const read = readRecordedLine(l, T0 + 60_000, 'replay');
        const routes = read.ok === true ? engine.route(read.event) : [];
        if (routes.length > 0) routed += 1;
        if (fields === undefined || probe.planOf(fields.kind) !== 'probe') return;
        if (!probe.matchesNothing(fields, fields.source ?? 'replay')) return;
        if (read.ok === true) skipped += 1;
        expect(routes, l).toEqual([]);
      }),
      { numRuns: 10_000 },
    );
    // Neither side is empty (about 110–140 and 240 of the 10,000 random lines, so half of each
    // leaves room for any seed): valid lines skipped, every one of them decided by screens
    // (each kind has a detection reading past the top level), and lines that match.
    expect(skipped, 'valid lines skipped').toBeGreaterThan(55);
    expect(routed, 'lines routed').toBeGreaterThan(120);
  });

  it('decides a detection on the top-level fields as three-valued logic does', () => {
    const rules = compileRules(`title: Quiet
name: quiet
logsource: { category: login }
detection:
  sel: { outcome: success }
  loud: { severity: high }
  red: { labels.team: red }
  words: [root]
  condition: not (loud or words) and (sel or red)
`);
    const quiet = rules.detections.get('quiet');
    const may = (outcome: 'success' | 'failure', severity: 'info' | 'high') =>
      quiet?.mayMatch?.(makeEvent({ kind: 'login', outcome, severity }));
    // loud true: \`not (loud or words)\` is false whatever the words.
    expect(may('success', 'high')).toBe(false);
    // sel true, loud false: \`not words\` is unknown, so it may match.
    expect(may('success', 'info')).toBe(true);
    // sel false, red unknown: may match.
    expect(may('failure', 'info')).toBe(true);
  });

  it('leaves to the full read a field the full read would refuse or that was not read plainly', () => {
    const probe = new LineProbe(RULES);
    const at = (tail: string) => {
      const fields = readTopLevelFields(`{"id":"a","time":${T0},"kind":"login"${tail}}`);
      if (!fields) throw new Error('not read');
      return probe.matchesNothing(fields, 'replay');
    };
    expect(at(',"outcome":"success"')).toBe(false); // success_not_red: its labels decide
    expect(at(',"outcome":"unknown","severity":"low"')).toBe(true);
    expect(at('')).toBe(true); // outcome unknown, name login, severity info
    expect(at(',"outcome":"failure"')).toBe(false); // matches
    expect(at(',"outcome":"FAILURE"')).toBe(false); // refused by the full read
    expect(at(',"outcome":null')).toBe(false); // not plain: the full read decides
    expect(at(',"severity":"warning"')).toBe(false);
    expect(at(',"name":" "')).toBe(false);
    expect(at(',"name":"vpn-eu","severity":"high"')).toBe(false); // loud_vpn
    expect(at(',"name":"vpn-eu","severity":"low"')).toBe(true);
  });
});
