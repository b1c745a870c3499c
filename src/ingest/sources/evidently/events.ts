import type { Entity, NormalisedEvent, Severity } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { capRaw } from '../monitors-common/raw-cap.js';
import type { Envelope } from './envelope.js';
import type {
  ColumnDrift,
  DatasetDrift,
  ReportContents,
  SuiteSummary,
  TestResult,
} from './model.js';

/** Everything the events of one report share. */
export interface ReportScope {
  readonly envelope: Envelope;
  /** Dedupe key of the report: envelope identity and window, else a hash of the report itself. */
  readonly key: string;
  readonly now: number;
  readonly at: Location;
}

type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/**
 * Drift events of one report: one per drifted column, one for the dataset, one per test that
 * did not pass (unless a column or dataset event already carries it), one for a suite summary.
 */
export function reportEvents(contents: ReportContents, scope: ReportScope): NormalisedEvent[] {
  const events: NormalisedEvent[] = [];
  for (const column of contents.columns)
    if (column.drifted === true)
      events.push(finish(columnEvent(column, contents, scope), `column|${column.column}`, scope));
  if (contents.dataset !== undefined)
    events.push(finish(datasetEvent(contents.dataset, contents, scope), 'dataset', scope));
  for (const test of contents.tests) {
    if (test.status === 'SUCCESS' || test.status === 'SKIPPED') continue;
    events.push(
      finish(testEvent(test, contents, scope), `test|${test.id ?? test.index}|${test.name}`, scope),
    );
  }
  if (contents.summary !== undefined)
    events.push(finish(summaryEvent(contents.summary, contents, scope), 'summary', scope));
  return events;
}

function finish(draft: Draft, part: string, scope: ReportScope): NormalisedEvent {
  const id = prefixedHashId('evidently', `${scope.key}|${part}`);
  const end = scope.envelope.windowEnd;
  const event: NormalisedEvent =
    end === undefined ? { id, ...withReceiptTime(draft, scope.now) } : { id, time: end, ...draft };
  return applyTimeClamp(event, scope.now, scope.at.child('window').child('end'));
}

function entity(scope: ReportScope, feature?: string): Entity {
  const out: Entity = {};
  if (scope.envelope.model !== undefined) out.model = scope.envelope.model;
  if (scope.envelope.modelVersion !== undefined) out.model_version = scope.envelope.modelVersion;
  if (feature !== undefined) out.feature = feature;
  return out;
}

function baseLabels(contents: ReportContents, scope: ReportScope): Record<string, string> {
  const labels: Record<string, string> = { report_format: contents.format };
  const { project, windowStart, windowEnd } = scope.envelope;
  if (project !== undefined) labels.project = project;
  if (windowStart !== undefined) labels.window_start = new Date(windowStart).toISOString();
  if (windowEnd !== undefined) labels.window_end = new Date(windowEnd).toISOString();
  return labels;
}

function measures(entries: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(entries))
    if (value !== undefined && Number.isFinite(value)) out[key] = value;
  return out;
}

function testLabels(test: TestResult | undefined): Record<string, string> {
  if (test === undefined) return {};
  const labels: Record<string, string> = { test_name: test.name, test_status: test.status };
  if (test.id !== undefined) labels.test_id = test.id;
  if (test.group !== undefined) labels.test_group = test.group;
  if (test.description !== undefined) labels.test_description = test.description;
  return labels;
}

function columnEvent(column: ColumnDrift, contents: ReportContents, scope: ReportScope): Draft {
  const labels: Record<string, string> = {
    ...baseLabels(contents, scope),
    metric: column.metric,
    ...testLabels(column.test),
  };
  if (column.metricId !== undefined) labels.metric_id = column.metricId;
  if (column.stattest !== undefined) labels.stattest = column.stattest;
  if (column.columnType !== undefined) labels.column_type = column.columnType;
  return {
    kind: 'drift',
    name: 'data_drift',
    severity: column.test?.status === 'WARNING' ? 'low' : 'medium',
    outcome: 'firing',
    entity: entity(scope, column.column),
    measures: measures({ drift_score: column.score, threshold: column.threshold }),
    labels,
    raw: capRaw(column.raw),
  };
}

function datasetEvent(dataset: DatasetDrift, contents: ReportContents, scope: ReportScope): Draft {
  const labels: Record<string, string> = {
    ...baseLabels(contents, scope),
    metric: dataset.metric,
    ...testLabels(dataset.test),
  };
  if (dataset.metricId !== undefined) labels.metric_id = dataset.metricId;
  if (contents.undecided.length > 0) labels.columns_without_verdict = contents.undecided.join(',');
  return {
    kind: 'drift',
    name: 'dataset_drift',
    severity: dataset.drifted === true ? 'medium' : 'info',
    outcome: dataset.drifted === undefined ? 'unknown' : dataset.drifted ? 'firing' : 'resolved',
    entity: entity(scope),
    measures: measures({
      drift_share: dataset.share,
      drift_share_threshold: dataset.shareThreshold,
      count: dataset.driftedColumns,
      columns: dataset.columns,
      rows: contents.rows,
    }),
    labels,
    raw: capRaw(dataset.raw),
  };
}

const TEST_SEVERITY: Readonly<Record<TestResult['status'], Severity>> = {
  FAIL: 'medium',
  WARNING: 'low',
  ERROR: 'low',
  SUCCESS: 'info',
  SKIPPED: 'info',
};

/** A failed test about drift is a drift event; any other failed check is an alert. */
function testEvent(test: TestResult, contents: ReportContents, scope: ReportScope): Draft {
  const aboutDrift = /drift/i.test(`${test.name} ${test.group ?? ''}`);
  return {
    kind: aboutDrift ? 'drift' : 'alert',
    name: test.name,
    severity: TEST_SEVERITY[test.status],
    // ERROR means the test could not run: nothing is known about what it checks.
    outcome: test.status === 'ERROR' ? 'unknown' : 'firing',
    entity: entity(scope),
    measures: {},
    labels: { ...baseLabels(contents, scope), ...testLabels(test) },
    raw: capRaw(test.raw),
  };
}

function summaryEvent(summary: SuiteSummary, contents: ReportContents, scope: ReportScope): Draft {
  return {
    kind: 'alert',
    name: 'test_suite',
    severity: summary.allPassed ? 'info' : 'medium',
    outcome: summary.allPassed ? 'resolved' : 'firing',
    entity: entity(scope),
    measures: measures({
      count: summary.failed,
      total_tests: summary.total,
      success_tests: summary.success,
      failed_tests: summary.failed,
    }),
    labels: baseLabels(contents, scope),
    raw: capRaw(summary.raw),
  };
}
