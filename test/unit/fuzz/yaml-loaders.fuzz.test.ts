/**
 * Fuzzing the YAML loader and the rule, playbook and connector loaders: arbitrary text (and
 * the shipped content with one line mangled) gives either a result or diagnostics located
 * by file, line and column; the only exceptions allowed are Cordon's own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildConnectorSet } from '../../../src/config/connectors.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { Diagnostic } from '../../../src/shared/diagnostics.js';
import { ERROR_CODES } from '../../../src/shared/error-codes.js';
import { isCordonError } from '../../../src/shared/errors.js';
import { loadYaml } from '../../../src/shared/yaml.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { RUNS } from './arbitraries.js';

function shipped(folder: string): string[] {
  const dir = join(REPO_ROOT, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** A shipped file with one line replaced, deleted, duplicated or re-indented. */
function mangled(files: readonly string[]): fc.Arbitrary<string> {
  const pieces = fc.oneof(
    fc.constantFrom(
      ': ',
      '- ',
      '{{ x }}',
      '"',
      "'",
      '[',
      ']',
      '{',
      '}',
      '#',
      '&a',
      '*a',
      '!!str',
      '\t',
      '  ',
      '|',
      '>',
      '---',
      '...',
      '%YAML 1.2',
      '?',
      '~',
      '0x1F',
      '.inf',
      '1e999',
    ),
    fc.string({ maxLength: 8 }),
  );
  return fc
    .tuple(
      fc.constantFrom(...files),
      fc.nat(),
      fc.constantFrom('replace', 'delete', 'duplicate', 'indent', 'append'),
      fc.array(pieces, { maxLength: 5 }).map((p) => p.join('')),
    )
    .map(([text, at, how, junk]) => {
      const lines = text.split('\n');
      const i = at % lines.length;
      const line = lines[i] ?? '';
      if (how === 'replace') lines[i] = junk;
      else if (how === 'delete') lines.splice(i, 1);
      else if (how === 'duplicate') lines.splice(i, 0, line);
      else if (how === 'indent') lines[i] = `  ${line}`;
      else lines[i] = `${line}${junk}`;
      return lines.join('\n');
    });
}

function texts(folder: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: mangled(shipped(folder)) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  );
}

function checkDiagnostics(diagnostics: readonly Diagnostic[], file: string): void {
  for (const d of diagnostics) {
    expect(d.file).toBe(file);
    expect(Object.keys(ERROR_CODES)).toContain(d.code);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.line).toBeGreaterThanOrEqual(0);
    expect(d.column).toBeGreaterThanOrEqual(0);
  }
}

/** Runs a loader; a Cordon error is an answer, anything else thrown is a bug. */
function answers<T>(load: () => T): T | undefined {
  try {
    return load();
  } catch (err) {
    if (isCordonError(err)) return undefined;
    throw err;
  }
}

describe('YAML loader', () => {
  it('gives documents or located diagnostics for any text', () => {
    fc.assert(
      fc.property(texts('correlations'), (text) => {
        const loaded = loadYaml(text, 'f.yaml');
        checkDiagnostics(loaded.diagnostics, 'f.yaml');
        if (loaded.diagnostics.length > 0) {
          expect(loaded.documents).toEqual([]);
          expect(loaded.diagnostics[0]?.line).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('content loaders', () => {
  it('rules: a rule set or error diagnostics, never a stray exception', () => {
    fc.assert(
      fc.property(texts('correlations'), (text) => {
        const built = answers(() => buildRuleSet([{ file: 'r.yaml', text }]));
        if (!built) return;
        checkDiagnostics(built.diagnostics, 'r.yaml');
        if (built.ruleSet === undefined)
          expect(built.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('playbooks: playbooks or error diagnostics, never a stray exception', () => {
    const ctx = {
      connectors: new Map([
        ['gateway', 'builtin-limiter'],
        ['cases', 'builtin-cases'],
      ]),
      rules: undefined,
    };
    fc.assert(
      fc.property(texts('playbooks'), (text) => {
        const built = answers(() => buildPlaybooks([{ file: 'p.yaml', text }], ctx));
        if (!built) return;
        checkDiagnostics(built.diagnostics, 'p.yaml');
        if (built.playbooks === undefined)
          expect(built.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('connectors: connectors or error diagnostics, never a stray exception', () => {
    fc.assert(
      fc.property(texts('connectors'), (text) => {
        const built = answers(() => buildConnectorSet([{ file: 'c.yaml', text }]));
        if (!built) return;
        checkDiagnostics(built.diagnostics, 'c.yaml');
      }),
      { numRuns: RUNS },
    );
  });
});
