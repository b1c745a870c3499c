import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import type { ColumnDrift, DatasetDrift } from './model.js';
import { readBoolean, readNumber, readText } from './read-values.js';

/** What one legacy `metrics[]` item (`{metric, result}`) contributes. */
export interface LegacyMetric {
  readonly columns: ColumnDrift[];
  readonly dataset: DatasetDrift | undefined;
}

const NOTHING: LegacyMetric = { columns: [], dataset: undefined };

/**
 * Legacy (≤0.6) `Report.as_dict()` items. Only the drift metrics are read; other metrics
 * (quality, summaries) carry nothing a drift event needs and are passed over.
 */
export function readLegacyMetric(item: JsonObject, at: Location): LegacyMetric {
  const name = getOwn(item, 'metric');
  if (typeof name !== 'string') {
    at.child('metric').error(`must be the metric's class name (a string); got ${got(name)}.`);
    return NOTHING;
  }
  if (!['DatasetDriftMetric', 'DataDriftTable', 'ColumnDriftMetric'].includes(name)) return NOTHING;
  const result = getOwn(item, 'result');
  const resultAt = at.child('result');
  if (!isJsonObject(result)) {
    resultAt.error(`must be the ${name} result object; got ${got(result)}.`);
    return NOTHING;
  }
  if (name === 'ColumnDriftMetric') {
    const column = readColumn(result, resultAt, undefined, name);
    return { columns: column === undefined ? [] : [column], dataset: undefined };
  }
  const dataset = readDataset(result, resultAt, name, item);
  if (name === 'DatasetDriftMetric') return { columns: [], dataset };
  return { columns: readDriftByColumns(result, resultAt), dataset };
}

function readDataset(
  result: JsonObject,
  at: Location,
  metric: string,
  raw: JsonObject,
): DatasetDrift | undefined {
  const drifted = readBoolean(result, 'dataset_drift', at);
  const share = readNumber(result, 'share_of_drifted_columns', at, { share: true });
  // DatasetDriftMetric's `drift_share` is the configured threshold, not a measured share.
  const shareThreshold = readNumber(result, 'drift_share', at, { share: true });
  const driftedColumns = readNumber(result, 'number_of_drifted_columns', at, { count: true });
  const columns = readNumber(result, 'number_of_columns', at, { count: true });
  if (getOwn(result, 'dataset_drift') === undefined)
    at.child('dataset_drift').error(`is required in ${metric}: true or false.`);
  return {
    drifted,
    share,
    shareThreshold,
    driftedColumns,
    columns,
    metric,
    metricId: undefined,
    test: undefined,
    raw: metric === 'DataDriftTable' ? withoutColumns(raw) : raw,
  };
}

/** The table's per-column results become column events; the dataset event need not repeat them. */
function withoutColumns(item: JsonObject): unknown {
  const result = getOwn(item, 'result');
  if (!isJsonObject(result)) return item;
  const { drift_by_columns: _omitted, ...rest } = result;
  return { ...item, result: rest };
}

function readDriftByColumns(result: JsonObject, at: Location): ColumnDrift[] {
  const byColumn = getOwn(result, 'drift_by_columns');
  const byAt = at.child('drift_by_columns');
  if (!isJsonObject(byColumn)) {
    byAt.error(`must be an object of column name → drift result; got ${got(byColumn)}.`);
    return [];
  }
  const out: ColumnDrift[] = [];
  for (const [key, entry] of Object.entries(byColumn)) {
    const entryAt = byAt.child(key);
    if (!isJsonObject(entry)) {
      entryAt.error(`must be a column drift result object; got ${got(entry)}.`);
      continue;
    }
    const column = readColumn(entry, entryAt, key, 'DataDriftTable');
    if (column !== undefined) out.push(column);
  }
  return out;
}

function readColumn(
  entry: JsonObject,
  at: Location,
  key: string | undefined,
  metric: string,
): ColumnDrift | undefined {
  const name = readText(entry, 'column_name', at) ?? key;
  const drifted = readBoolean(entry, 'drift_detected', at);
  const score = readNumber(entry, 'drift_score', at);
  const threshold = readNumber(entry, 'stattest_threshold', at);
  const stattest = readText(entry, 'stattest_name', at);
  const columnType = readText(entry, 'column_type', at);
  if (getOwn(entry, 'drift_detected') === undefined)
    at.child('drift_detected').error(
      'is required: true or false, as Evidently decided it (Cordon does not compare scores with thresholds: p-value tests drift below theirs, distance tests above).',
    );
  if (name === undefined || name === '') {
    at.child('column_name').error('is required: the name of the column this result is about.');
    return undefined;
  }
  return {
    column: name,
    drifted,
    score,
    threshold,
    stattest,
    columnType,
    metric,
    metricId: undefined,
    test: undefined,
    raw: entry,
  };
}
