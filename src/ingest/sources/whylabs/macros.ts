/**
 * The five macros a WhyLabs webhook body template can hold, and where their values go.
 * Only these exist (notification service source): nothing else about the anomaly is sent.
 */
export const MACROS = {
  'org-id': 'orgId',
  'dataset-id': 'datasetId',
  'monitor-id': 'monitorId',
  'monitor-name': 'monitorName',
  'run-id': 'runId',
} as const;

export type MacroField = (typeof MACROS)[keyof typeof MACROS];

export const MACRO_FIELDS: readonly MacroField[] = Object.values(MACROS);

/** A `<[[name]]>` left in a rendered value. */
const LEFT_OVER = /<\[\[([^\]]*)\]\]>/g;

export function leftOverMacros(text: string): string[] {
  return [...text.matchAll(LEFT_OVER)].map((m) => m[1] ?? '');
}

/**
 * Key spellings a template author may choose for each macro's value (`monitorId`,
 * `monitor_id`, `monitor-id`, …), compared lower-case without separators.
 */
const ALIASES: Readonly<Record<string, MacroField>> = {
  orgid: 'orgId',
  organizationid: 'orgId',
  org: 'orgId',
  datasetid: 'datasetId',
  dataset: 'datasetId',
  modelid: 'datasetId',
  model: 'datasetId',
  // WhyLabs now calls datasets "resources" in its UI.
  resource: 'datasetId',
  resourceid: 'datasetId',
  monitorid: 'monitorId',
  monitorname: 'monitorName',
  monitor: 'monitorName',
  runid: 'runId',
  run: 'runId',
};

export function macroFieldFor(key: string): MacroField | undefined {
  const folded = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return Object.hasOwn(ALIASES, folded) ? ALIASES[folded] : undefined;
}

/** WhyLabs' `severity` is an integer, lower = more severe (unverified: ingest-formats §0.5). */
export function severityFromLevel(level: number): 'high' | 'medium' | 'low' | undefined {
  if (level === 1) return 'high';
  if (level === 2) return 'medium';
  if (level === 3) return 'low';
  return undefined;
}
