// Types of render-chart.mjs (plain JavaScript so that it runs without a build).
export class TemplateError extends Error {}

export interface RenderOptions {
  /** Default "cordon" (the release name of the plain manifests). */
  readonly releaseName?: string;
  readonly namespace?: string;
  /** Merged over the chart's values.yaml as Helm merges `-f` files. */
  readonly values?: Record<string, unknown>;
}

export function mergeValues(base: unknown, override: unknown): unknown;
export function renderString(source: string, data: unknown, file?: string): string;
export function renderChart(
  chartDir: string,
  options?: RenderOptions,
): { template: string; text: string }[];
export function renderManifests(
  chartDir: string,
  options?: RenderOptions,
): { file: string; text: string }[];
export const CHART_DIR: string;
export const MANIFESTS_DIR: string;
