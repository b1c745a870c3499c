import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  MANIFESTS_DIR,
  mergeValues,
  renderString,
} from '../../deploy/tools/render-chart.mjs';

// The renderer stands in for Helm (not packaged in Debian): these pin the Go template
// semantics the chart relies on, each as text/template defines it.
describe('render-chart (the Go template subset)', () => {
  it('trims whitespace on the marked side only', () => {
    expect(renderString('a  {{- "b" -}}  c', {})).toBe('abc');
    expect(renderString('a  {{ "b" }}  c', {})).toBe('a  b  c');
    expect(renderString('x:\n  {{- " y" }}\n', {})).toBe('x: y\n');
  });

  it('ranges over maps in sorted key order and over lists, with $ the root', () => {
    const data = { m: { b: 2, a: 1 }, l: ['x', 'y'], top: 'T' };
    expect(renderString('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', data)).toBe(
      'a=1;b=2;',
    );
    expect(renderString('{{ range .l }}{{ . }}{{ $.top }}{{ end }}', data)).toBe('xTyT');
    expect(renderString('{{ range .none }}x{{ else }}empty{{ end }}', data)).toBe('empty');
  });

  it('follows Go truth, else if chains and with', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    expect(renderString(t, { a: 1 })).toBe('A');
    expect(renderString(t, { a: 0, b: 'x' })).toBe('B');
    expect(renderString(t, { a: '', b: [] })).toBe('C');
    expect(renderString('{{ with .m }}{{ .k }}{{ end }}', { m: { k: 'v' } })).toBe('v');
    expect(renderString('{{ with .m }}{{ .k }}{{ else }}none{{ end }}', { m: {} })).toBe('none');
  });

  it('assigns with = to the variable where it was declared', () => {
    const t = '{{ $p := "ops" }}{{ if .api }}{{ $p = "http" }}{{ end }}{{ $p }}';
    expect(renderString(t, { api: true })).toBe('http');
    expect(renderString(t, { api: false })).toBe('ops');
    // := inside a block declares a new variable there; the outer one stays.
    expect(renderString('{{ $p := 1 }}{{ if true }}{{ $p := 2 }}{{ end }}{{ $p }}', {})).toBe('1');
  });

  it('pipes into the last argument and evaluates parentheses', () => {
    expect(renderString('{{ .x | default "d" | quote }}', {})).toBe('"d"');
    expect(renderString('{{ .x | default "d" }}', { x: 'v' })).toBe('v');
    expect(renderString('{{ if not (and .a .b) }}no{{ end }}', { a: true, b: false })).toBe('no');
    expect(renderString('{{ printf "%s-%s" "a" "b" | trunc 3 }}', {})).toBe('a-b');
    expect(renderString('{{ toYaml .m | nindent 2 }}', { m: { k: ['v'] } })).toBe(
      '\n  k:\n    - v',
    );
  });

  it('defines and includes named templates', () => {
    const t = '{{- define "n" -}}<{{ .v }}>{{- end -}}{{ include "n" . }}{{ template "n" .o }}';
    expect(renderString(t, { v: 1, o: { v: 2 } })).toBe('<1><2>');
  });

  it('refuses what it does not implement and names the line', () => {
    expect(() => renderString('ok\n{{ lookup "v1" "Secret" "" "" }}', {}, 't.yaml')).toThrow(
      /t\.yaml:2: function "lookup" is not supported/,
    );
    expect(() => renderString('{{ if .a }}x', {}, 't.yaml')).toThrow(
      /t\.yaml:1: this block has no \{\{ end/,
    );
    expect(() => renderString('{{ .m }}', { m: { a: 1 } })).toThrow(/toYaml/);
  });

  it('merges values as Helm merges -f files (maps by key, the rest replaced)', () => {
    expect(mergeValues({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({
      a: { b: 1, c: 3 },
      l: [9],
    });
  });
});

describe('the chart README', () => {
  it("gives a prometheus-adapter rule that serves the autoscaler's metric", () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const block = /```yaml\n(rules:[\s\S]*?)```/.exec(readme)?.[1];
    const rule = (load(block!) as any).rules[0];
    const hpa = (loadAll(readFileSync(join(MANIFESTS_DIR, 'hpa.yaml'), 'utf8')) as any[]).find(
      (d) => d?.kind === 'HorizontalPodAutoscaler',
    );
    const metric = hpa.spec.metrics[0].pods.metric.name;
    expect(rule.name.as).toBe(metric);
    expect(rule.seriesQuery).toContain(`${metric}{`);
    expect(new RegExp(rule.name.matches).test(metric)).toBe(true);
    // A Pods metric: the series must map to pods and namespaces.
    expect(rule.resources.overrides.pod.resource).toBe('pod');
    expect(rule.resources.overrides.namespace.resource).toBe('namespace');
  });
});
