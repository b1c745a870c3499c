/**
 * Which recorded lines a replay counts without parsing: those no rule can route, as read off
 * their text (a kind no rule reads, or an outcome, severity and name no detection of the kind
 * needs). Every line a rule could route, and every line the text alone cannot settle, is left
 * to the full parse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../src/correlate/engine/engine.js';
import { skippableLine } from '../../../src/correlate/routing/skip-line.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { TEST_LIMITS, TEST_TIMING, compileRules } from '../../helpers/correlation-harness.js';

function engine(rules: string): CorrelationEngine {
  return new CorrelationEngine(compileRules(rules), { limits: TEST_LIMITS, timing: TEST_TIMING });
}

// A failure rule and a 5-in-60 s threshold over it: what the replay benchmark runs.
const FAILURES = readFileSync(
  join(REPO_ROOT, 'test', 'fixtures', 'correlations', 'login-brute-force.yaml'),
  'utf8',
);

const line = (fields: Record<string, unknown>): string =>
  JSON.stringify({ id: 'e1', time: 1767225600000, kind: 'login', ...fields });

describe('skippableLine', () => {
  const e = engine(FAILURES);

  it('skips lines of a kind no rule reads and lines whose outcome no detection needs', () => {
    expect(skippableLine(e, line({ kind: 'audit', name: 'x' }), 'replay')).toEqual({
      source: 'replay',
      time: 1767225600000,
      received: 1767225600000,
      id: 'e1',
    });
    expect(
      skippableLine(e, line({ outcome: 'success', source: 'idp', received: 1767225600005 }), 'r'),
    ).toEqual({ source: 'idp', time: 1767225600000, received: 1767225600005, id: 'e1' });
    // No outcome, or null: the default (unknown) is not what the rule needs.
    expect(skippableLine(e, line({}), 'replay')).toBeDefined();
    expect(skippableLine(e, line({ outcome: null }), 'replay')).toBeDefined();
    // Whatever a nested field of the same name holds.
    expect(
      skippableLine(e, line({ labels: { outcome: 'failure' }, outcome: 'success' }), 'replay'),
    ).toBeDefined();
  });

  it('leaves to the full parse every line a rule could route or the text cannot settle', () => {
    for (const text of [
      line({ outcome: 'failure' }),
      line({ outcome: 'FAILURE' }), // not canonical: the full parse refuses it, and says so
      // An escape ("failure" spelt with \u0075): only the full parse reads it exactly.
      '{"id":"e1","time":1767225600000,"kind":"login","outcome":"fail\\u0075re"}',
      line({ outcome: 'success', name: 'a"b' }), // an escape in another field read here
      line({ outcome: 'success', severity: 'warning' }), // refused by the full parse
      line({ outcome: 'success', name: '  ' }),
      line({ outcome: 'success', source: 'cordon' }), // derived: the full read skips it as such
      `{"id":"e1","time":1,"kind":"login","outcome":"success","outcome":"failure"}`,
      `{"id":"e1", "time":1,"kind":"login","outcome":"success"}`,
      // A label of the same name, mentioned first, must not hide the event's own outcome.
      `{"id":"e1","time":1,"kind":"login","labels":{"outcome":"success"},"outcome":"failure"}`,
    ])
      expect(skippableLine(e, text, 'r'), text).toBeUndefined();
  });

  it('parses every line of a kind when one detection reading it needs none of these fields', () => {
    const any = engine(`${FAILURES}---
title: Any login
name: any_login
logsource: { category: login }
detection: { sel: { entity.user|exists: true }, condition: sel }
`);
    expect(any.kindNeeds('login')).toBe('any');
    expect(skippableLine(any, line({ outcome: 'success' }), 'replay')).toBeUndefined();
    expect(skippableLine(any, line({ kind: 'audit' }), 'replay')).toBeDefined();
  });

  it('reads what several detections need: a line any of them could match is parsed', () => {
    const two = engine(`${FAILURES}---
title: Admin success
name: admin_success
logsource: { category: login }
detection: { sel: { outcome: success, name|cased: AdminLogin }, condition: sel }
`);
    expect(skippableLine(two, line({ outcome: 'success', name: 'AdminLogin' }), 'r')).toBe(
      undefined,
    );
    expect(skippableLine(two, line({ outcome: 'success', name: 'adminlogin' }), 'r')).toBeDefined();
    expect(skippableLine(two, line({ outcome: 'failure', name: 'x' }), 'r')).toBeUndefined();
  });
});
