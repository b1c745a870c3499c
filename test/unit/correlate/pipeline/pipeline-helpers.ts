import { expect } from 'vitest';
import { buildRuleSet } from '../../../../src/correlate/rule/index.js';
import { formatDiagnostic } from '../../../../src/shared/diagnostics.js';
import { dedent, makeEvent } from '../helpers.js';

/** Builds `rules` with pipeline files beside them; returns the rule set and every diagnostic. */
export function build(rules: string, pipelines: Record<string, string> = {}) {
  const sources = [
    { file: 'rules.yaml', text: dedent(rules) },
    ...Object.entries(pipelines).map(([file, text]) => ({ file, text: dedent(text) })),
  ];
  const { ruleSet, diagnostics } = buildRuleSet(sources);
  return { ruleSet, diagnostics: diagnostics.map(formatDiagnostic) };
}

export function detection(rules: string, pipeline: string, key = 't') {
  const { ruleSet, diagnostics } = build(rules, { 'p.pipeline.yaml': pipeline });
  expect(diagnostics).toEqual([]);
  const found = [...(ruleSet?.detections.values() ?? [])].find((d) => d.key === key);
  if (!found) throw new Error(`no detection ${key}`);
  return found;
}

/** `text` flush left, each line indented by `by` spaces. */
const indent = (text: string, by: number) =>
  dedent(text)
    .split('\n')
    .map((l) => (l.trim() === '' ? l : ' '.repeat(by) + l))
    .join('\n');

/** A rule `t` on log events with this detection. */
export const rule = (detectionYaml: string) =>
  `title: T\nname: t\nlogsource: { category: log }\ndetection:\n${indent(detectionYaml, 2)}\n`;

/** A pipeline that reads every field from labels, after `items`. */
export const pipeline = (items: string) =>
  `name: p\ntransformations:\n${indent(items, 2)}\n  - type: field_name_prefix\n    prefix: labels.\n`;

export const log = (labels: Record<string, string>) =>
  makeEvent({ kind: 'log', name: 'x', labels });
