import { describe, expect, it } from 'vitest';
import {
  formatDiagnostic,
  formatPath,
  hasErrors,
  type Diagnostic,
} from '../../../src/shared/diagnostics.js';

const BASE: Diagnostic = {
  code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
  severity: 'error',
  message:
    'State "throttle" next points at state "ask_kase", which does not exist. Did you mean "ask_case"?',
  file: 'playbooks/contain.yaml',
  line: 17,
  column: 11,
  path: 'states.throttle.next',
};

describe('formatDiagnostic', () => {
  it('writes file:line:col severity CODE message (at path)', () => {
    expect(formatDiagnostic(BASE)).toBe(
      'playbooks/contain.yaml:17:11 error CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET State "throttle" next points at state "ask_kase", which does not exist. Did you mean "ask_case"? (at states.throttle.next)',
    );
  });

  it('writes warnings with their severity', () => {
    expect(
      formatDiagnostic({
        ...BASE,
        severity: 'warning',
        code: 'CORDON_WARN_PLAYBOOK_NO_UNDO',
        message: 'm.',
      }),
    ).toBe(
      'playbooks/contain.yaml:17:11 warning CORDON_WARN_PLAYBOOK_NO_UNDO m. (at states.throttle.next)',
    );
  });

  it('leaves out "(at …)" for a whole-file diagnostic', () => {
    expect(formatDiagnostic({ ...BASE, path: '', message: 'Bad.' })).toBe(
      'playbooks/contain.yaml:17:11 error CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET Bad.',
    );
  });

  it('writes only the file when no position is known', () => {
    expect(
      formatDiagnostic({ ...BASE, line: 0, column: 0, path: '', message: 'Unreadable.' }),
    ).toBe('playbooks/contain.yaml error CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET Unreadable.');
  });
});

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['states'], 'states'],
    [['states', 'throttle', 'with', 'key'], 'states.throttle.with.key'],
    [['on', 'correlation', 0], 'on.correlation[0]'],
    [['list', 0, 1, 'x'], 'list[0][1].x'],
    [[0, 'a'], '[0].a'],
    [['states', 'on_failure-2'], 'states.on_failure-2'],
    [['states', '2nd-try'], 'states["2nd-try"]'],
    [['labels', 'a.b'], 'labels["a.b"]'],
    [['labels', 'with space'], 'labels["with space"]'],
    [['labels', 'quote"d'], 'labels["quote\\"d"]'],
    [['', 'x'], '[""].x'],
  ] as const)('formats %j as %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('hasErrors', () => {
  it('is true only when at least one diagnostic is an error', () => {
    expect(hasErrors([])).toBe(false);
    expect(hasErrors([{ ...BASE, severity: 'warning' }])).toBe(false);
    expect(hasErrors([{ ...BASE, severity: 'warning' }, BASE])).toBe(true);
  });
});
