import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { parseMetricId } from './metric-id.js';
import type { ColumnDrift, DatasetDrift, TestResult } from './model.js';
import { checkNumber, readNumber, readText } from './read-values.js';

/** One snapshot (≥0.7) `metrics[]` item (`{id, metric_id, value}`) that drift events use. */
export type SnapshotMetric =
  | {
      readonly type: 'ValueDrift';
      readonly id: string | undefined;
      readonly metricId: string;
      readonly column: string;
      readonly score: number | undefined;
      readonly method: string | undefined;
      readonly threshold: number | undefined;
      readonly raw: JsonObject;
    }
  | {
      readonly type: 'DriftedColumnsCount';
      readonly id: string | undefined;
      readonly metricId: string;
      readonly count: number | undefined;
      readonly share: number | undefined;
      readonly shareThreshold: number | undefined;
      readonly raw: JsonObject;
    }
  | { readonly type: 'RowCount'; readonly rows: number | undefined };

/**
 * Reads one snapshot metric. Every `metric_id` must parse (it is how the metric is named to
 * the sender), but only drift metrics and the row count are turned into anything.
 */
export function readSnapshotMetric(item: JsonObject, at: Location): SnapshotMetric | undefined {
  const id = readText(item, 'id', at);
  const text = getOwn(item, 'metric_id');
  const idAt = at.child('metric_id');
  if (typeof text !== 'string') {
    idAt.error(`must be the metric id string, such as "ValueDrift(column=age)"; got ${got(text)}.`);
    return undefined;
  }
  const parsed = parseMetricId(text);
  if (typeof parsed === 'string') {
    idAt.error(`${parsed}; got ${got(text)}. Send the metric_id Evidently wrote, unedited.`);
    // The value is still checked below as far as its shape allows, so every problem is listed.
  }
  const type = typeof parsed === 'string' ? guessType(text) : parsed.type;
  const params = typeof parsed === 'string' ? {} : parsed.params;
  const value = getOwn(item, 'value');
  const valueAt = at.child('value');
  if (type === 'ValueDrift') {
    const score = value === null ? undefined : checkNumber(value, valueAt);
    const column = params.column;
    if (typeof parsed !== 'string' && (column === undefined || column === ''))
      idAt.error(`names no column (expected ValueDrift(column=<name>, …)); got ${got(text)}.`);
    const threshold = params.threshold === undefined ? undefined : Number(params.threshold);
    if (typeof parsed === 'string' || column === undefined || column === '') return undefined;
    return {
      type,
      id,
      metricId: text,
      column,
      score,
      method: params.method,
      threshold: Number.isFinite(threshold) ? threshold : undefined,
      raw: item,
    };
  }
  if (type === 'DriftedColumnsCount') {
    let count: number | undefined;
    let share: number | undefined;
    if (isJsonObject(value)) {
      count = readNumber(value, 'count', valueAt, { count: true });
      share = readNumber(value, 'share', valueAt, { share: true });
    } else if (value !== null) {
      valueAt.error(`must be an object {"count": …, "share": …}; got ${got(value)}.`);
    }
    const threshold = Number(params.drift_share);
    if (typeof parsed === 'string') return undefined;
    return {
      type,
      id,
      metricId: text,
      count,
      share,
      shareThreshold:
        params.drift_share !== undefined && Number.isFinite(threshold) ? threshold : undefined,
      raw: item,
    };
  }
  if (type === 'RowCount') {
    const rows = value === null ? undefined : checkNumber(value, valueAt, { count: true });
    return typeof parsed === 'string' ? undefined : { type, rows };
  }
  return undefined;
}

/** The type name of a metric_id that failed to parse, so its value is still checked. */
function guessType(text: string): string {
  return /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1] ?? '';
}

/** The test that checks a metric (by the metric's `id`), if the report has one. */
function testFor(id: string | undefined, tests: readonly TestResult[]): TestResult | undefined {
  return id === undefined ? undefined : tests.find((test) => test.metricRef === id);
}

/**
 * A snapshot has no `drift_detected`: whether a column drifted is the verdict of the test
 * Evidently ran on its ValueDrift metric (FAIL or WARNING = drifted, SUCCESS = not).
 */
function verdict(test: TestResult | undefined): boolean | undefined {
  if (test === undefined) return undefined;
  if (test.status === 'FAIL' || test.status === 'WARNING') return true;
  if (test.status === 'SUCCESS') return false;
  return undefined;
}

export function snapshotColumn(
  metric: Extract<SnapshotMetric, { type: 'ValueDrift' }>,
  tests: readonly TestResult[],
): ColumnDrift {
  const test = testFor(metric.id, tests);
  return {
    column: metric.column,
    drifted: verdict(test),
    score: metric.score,
    threshold: metric.threshold,
    stattest: metric.method,
    columnType: undefined,
    metric: 'ValueDrift',
    metricId: metric.metricId,
    test,
    raw: metric.raw,
  };
}

export function snapshotDataset(
  metric: Extract<SnapshotMetric, { type: 'DriftedColumnsCount' }>,
  tests: readonly TestResult[],
): DatasetDrift {
  const test = testFor(metric.id, tests);
  return {
    drifted: verdict(test),
    share: metric.share,
    shareThreshold: metric.shareThreshold,
    driftedColumns: metric.count,
    columns: undefined,
    metric: 'DriftedColumnsCount',
    metricId: metric.metricId,
    test,
    raw: metric.raw,
  };
}
