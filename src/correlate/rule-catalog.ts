import { FAILSAFE_SCHEMA, load } from 'js-yaml';
import { isMapping } from '../shared/shape.js';
import { siblingRuleFile } from './rule-tests.js';
import type { RuleSource } from './rule/rule-source.js';
import type { CompiledRuleSet, Condition } from './rule/types.js';

/** One loaded rule as people browse it (GET /v1/rules): what it is, where, and its tests. */
export interface RuleEntry {
  /** The key incidents carry (`name`, else `id`, else a slug of the title). */
  readonly id: string;
  readonly title: string;
  readonly level: string;
  /** The correlation type (event_count, temporal, …) or `detection`. */
  readonly type: string;
  /** ATLAS / ATT&CK tags as written. */
  readonly tags: readonly string[];
  readonly file: string;
  readonly line: number;
  /** Its matches open incidents (not only feed a correlation). */
  readonly alerts: boolean;
  /** The rule's YAML document as written in its file (comments included). */
  readonly yaml: string;
  /** Names of the rule test cases that check it. */
  readonly tests: readonly string[];
  /** Correlations: the window length (ms) and the condition a group's window must meet. */
  readonly timespanMs?: number;
  readonly condition?: Condition;
}

/**
 * Builds the catalog from the loaded rules, their files and the `*.test.yaml` files beside
 * them. Pure: the caller reads the files. A test case checks a rule when it expects a match of
 * it, or when its file's scope (by default the rules of its sibling file) includes the rule and
 * it expects no match at all.
 */
export function buildRuleCatalog(
  rules: CompiledRuleSet,
  sources: readonly RuleSource[],
  testFiles: readonly RuleSource[],
): RuleEntry[] {
  const texts = new Map(sources.map((s) => [s.file, s.text]));
  const all = [...rules.detections.values(), ...rules.correlations];
  const byFile = new Map<string, string[]>();
  for (const r of all) {
    const { file } = splitOrigin(r.origin);
    byFile.set(file, [...(byFile.get(file) ?? []), r.key]);
  }
  const tests = new Map<string, string[]>();
  for (const t of testFiles) {
    const index = indexRuleTests(t.text);
    if (!index) continue;
    const scope = index.scope ?? byFile.get(siblingRuleFile(t.file)) ?? [];
    for (const c of index.cases) {
      const checked = c.expects.length > 0 ? c.expects : scope;
      for (const key of new Set(checked)) tests.set(key, [...(tests.get(key) ?? []), c.name]);
    }
  }
  return all
    .map((r) => {
      const { file, line } = splitOrigin(r.origin);
      return {
        id: r.key,
        title: r.title,
        level: r.level,
        type: r.kind === 'correlation' ? r.type : 'detection',
        tags: r.tags,
        file,
        line,
        alerts: r.alerts,
        yaml: documentAt(texts.get(file) ?? '', line),
        tests: tests.get(r.key) ?? [],
        ...(r.kind === 'correlation'
          ? {
              timespanMs: r.timespanMs,
              ...(r.condition ? { condition: r.condition } : {}),
            }
          : {}),
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * What the catalog needs of a rule test file: its scope and, per case, its name and the rules
 * it expects matches of. A plain YAML load without the events, which `cordon test` parses and
 * checks (a tenth of the work: ~85 ms against ~0.9 s for the shipped pack's tests). So a case
 * is listed even when one of its events is invalid (`cordon validate` and `cordon test` say
 * so); a file without that shape lists nothing.
 */
export function indexRuleTests(
  text: string,
): { scope: string[] | undefined; cases: { name: string; expects: string[] }[] } | undefined {
  let doc: unknown;
  try {
    doc = load(text, { schema: FAILSAFE_SCHEMA });
  } catch {
    return undefined;
  }
  if (!isMapping(doc) || !Array.isArray(doc.tests)) return undefined;
  const rules = doc.rules;
  const scope =
    Array.isArray(rules) && rules.every((r): r is string => typeof r === 'string')
      ? rules
      : undefined;
  const cases: { name: string; expects: string[] }[] = [];
  for (const [i, t] of (doc.tests as unknown[]).entries()) {
    if (!isMapping(t)) return undefined;
    const expects = Array.isArray(t.expect)
      ? t.expect.flatMap((m: unknown) =>
          isMapping(m) && typeof m.rule === 'string' ? [m.rule] : [],
        )
      : [];
    cases.push({ name: typeof t.name === 'string' ? t.name : `test ${i}`, expects });
  }
  return { scope, cases };
}

/**
 * The catalog, built the first time it is asked for and kept (~0.1 s with the shipped pack,
 * which a process's start need not pay before it is ready).
 */
export class RuleCatalog {
  #entries: readonly RuleEntry[] | undefined;
  #byId: ReadonlyMap<string, RuleEntry> | undefined;

  constructor(private readonly build: () => readonly RuleEntry[]) {}

  /** Every loaded rule, by file and position. */
  get entries(): readonly RuleEntry[] {
    this.#entries ??= this.build();
    return this.#entries;
  }

  get(id: string): RuleEntry | undefined {
    this.#byId ??= new Map(this.entries.map((r) => [r.id, r]));
    return this.#byId.get(id);
  }
}

function splitOrigin(origin: string): { file: string; line: number } {
  const at = origin.lastIndexOf(':');
  return { file: origin.slice(0, at), line: Number(origin.slice(at + 1)) || 1 };
}

/**
 * The YAML document of a multi-document file that holds `line` (1-based): from after the `---`
 * before it to the next `---` or `...`, trailing blank lines dropped.
 */
export function documentAt(text: string, line: number): string {
  const lines = text.split(/\r?\n/);
  const boundary = (l: string | undefined): boolean =>
    l !== undefined && /^(---|\.\.\.)(\s.*)?$/.test(l);
  let start = Math.min(Math.max(line - 1, 0), lines.length);
  while (start > 0 && !boundary(lines[start - 1])) start -= 1;
  let end = Math.max(line - 1, start);
  while (end < lines.length && !boundary(lines[end])) end += 1;
  const doc = lines.slice(start, end);
  while (doc.length > 0 && (doc[doc.length - 1] ?? '').trim() === '') doc.pop();
  return doc.join('\n');
}
