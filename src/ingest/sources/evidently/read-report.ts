import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import type { ColumnDrift, DatasetDrift, ReportContents, TestResult } from './model.js';
import { readLegacyMetric } from './read-legacy.js';
import { readSnapshotMetric, snapshotColumn, snapshotDataset } from './read-snapshot.js';
import type { SnapshotMetric } from './read-snapshot.js';
import { readSummary, readTests } from './read-tests.js';

/**
 * Reads a report or test suite of either API. The shapes differ completely; each metric item
 * says which it is by carrying `metric` (legacy) or `metric_id` (snapshot).
 */
export function readReport(report: JsonObject, at: Location): ReportContents | undefined {
  const metricsValue = getOwn(report, 'metrics');
  const testsValue = getOwn(report, 'tests');
  if (metricsValue === undefined && testsValue === undefined) {
    at.error(
      'is not an Evidently report: it has neither "metrics" nor "tests". Send Report/TestSuite .dict() or .json() output (or a Snapshot).',
    );
    return undefined;
  }
  const { tests, columns: testColumns } = readTests(testsValue, at.child('tests'));
  const summary = readSummary(getOwn(report, 'summary'), at.child('summary'));
  const columns: ColumnDrift[] = [];
  const datasets: DatasetDrift[] = [];
  const snapshot: SnapshotMetric[] = [];
  let rows: number | undefined;
  let format: ReportContents['format'] = tests.some((t) => t.metricRef !== undefined)
    ? 'snapshot'
    : 'legacy';
  const metricsAt = at.child('metrics');
  if (metricsValue !== undefined && metricsValue !== null && !Array.isArray(metricsValue))
    metricsAt.error(`must be an array of metric results; got ${got(metricsValue)}.`);
  const metrics: unknown[] = Array.isArray(metricsValue) ? metricsValue : [];
  metrics.forEach((item, index) => {
    const itemAt = metricsAt.child(index);
    if (!isJsonObject(item)) {
      itemAt.error(`must be a metric result object; got ${got(item)}.`);
      return;
    }
    if (Object.hasOwn(item, 'metric_id')) {
      format = 'snapshot';
      const metric = readSnapshotMetric(item, itemAt);
      if (metric?.type === 'RowCount') rows = metric.rows;
      else if (metric !== undefined) snapshot.push(metric);
    } else if (Object.hasOwn(item, 'metric')) {
      const read = readLegacyMetric(item, itemAt);
      columns.push(...read.columns);
      if (read.dataset !== undefined) datasets.push(read.dataset);
    } else {
      itemAt.error(
        'is neither a legacy metric ({"metric", "result"}) nor a snapshot metric ({"id", "metric_id", "value"}).',
      );
    }
  });
  for (const metric of snapshot) {
    if (metric.type === 'ValueDrift') columns.push(snapshotColumn(metric, tests));
    else if (metric.type === 'DriftedColumnsCount') datasets.push(snapshotDataset(metric, tests));
  }
  // Report columns first: a table's verdict wins over a test's copy of it.
  columns.push(...testColumns);
  // A snapshot test on a metric is told by that metric's event; a legacy drift test keeps its
  // own event (its verdict is about the share of drifted columns, not one column).
  const told = new Set<TestResult>();
  for (const item of [...columns, ...datasets])
    if (item.test !== undefined && item.metricId !== undefined) told.add(item.test);
  return {
    format,
    // One column reported by two metrics (a table and a ColumnDriftMetric) is one event.
    columns: uniqueColumns(columns),
    // DatasetDriftMetric and DataDriftTable both carry the verdict; the first one is used.
    dataset: datasets[0],
    rows,
    tests: tests.filter((test) => !told.has(test)),
    summary,
    undecided: columns.filter((c) => c.drifted === undefined).map((c) => c.column),
  };
}

function uniqueColumns(columns: readonly ColumnDrift[]): ColumnDrift[] {
  const seen = new Set<string>();
  return columns.filter((column) => {
    if (seen.has(column.column)) return false;
    seen.add(column.column);
    return true;
  });
}
