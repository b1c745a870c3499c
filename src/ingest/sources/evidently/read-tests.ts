import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { TEST_STATUSES } from './model.js';
import type { ColumnDrift, SuiteSummary, TestResult, TestStatus } from './model.js';
import { readBoolean, readNumber, readText } from './read-values.js';

/** Words other tools use for Evidently's statuses, so the reason can name the right one. */
const NEAR_MISSES: Readonly<Record<string, TestStatus>> = {
  PASSED: 'SUCCESS',
  PASS: 'SUCCESS',
  OK: 'SUCCESS',
  SUCCEEDED: 'SUCCESS',
  FAILED: 'FAIL',
  FAILURE: 'FAIL',
  WARN: 'WARNING',
  ERRORED: 'ERROR',
  SKIP: 'SKIPPED',
};

function readStatus(value: unknown, at: Location): TestStatus | undefined {
  if (typeof value === 'string' && (TEST_STATUSES as readonly string[]).includes(value))
    return value as TestStatus;
  const list = TEST_STATUSES.join(', ');
  if (value === undefined) {
    at.error(`is required: one of ${list}.`);
    return undefined;
  }
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
  const meant = (TEST_STATUSES as readonly string[]).includes(upper)
    ? upper
    : Object.hasOwn(NEAR_MISSES, upper)
      ? NEAR_MISSES[upper]
      : undefined;
  const fix = meant === undefined ? '' : ` Evidently writes "${meant}" for that.`;
  at.error(`is not a test status Evidently writes (${list}); got ${got(value)}.${fix}`);
  return undefined;
}

/** `tests[]` of a legacy test suite or a snapshot: the shapes share name, status, description. */
export function readTests(
  value: unknown,
  at: Location,
): { tests: TestResult[]; columns: ColumnDrift[] } {
  const out: TestResult[] = [];
  const columns: ColumnDrift[] = [];
  if (value === undefined || value === null) return { tests: out, columns };
  if (!Array.isArray(value)) {
    at.error(`must be an array of test results; got ${got(value)}.`);
    return { tests: out, columns };
  }
  value.forEach((item, index) => {
    const itemAt = at.child(index);
    if (!isJsonObject(item)) {
      itemAt.error(`must be a test result object (name, status, …); got ${got(item)}.`);
      return;
    }
    const status = readStatus(getOwn(item, 'status'), itemAt.child('status'));
    const id = readText(item, 'id', itemAt);
    const name = readText(item, 'name', itemAt);
    const description = readText(item, 'description', itemAt);
    const group = readText(item, 'group', itemAt);
    const metricRef = readMetricRef(item, itemAt);
    const parameters = getOwn(item, 'parameters');
    const features = isJsonObject(parameters) ? getOwn(parameters, 'features') : undefined;
    if (status === undefined) return;
    const test: TestResult = {
      index,
      id,
      name: name ?? id ?? `test ${index}`,
      status,
      description,
      group,
      metricRef,
      raw: item,
    };
    out.push(test);
    if (isJsonObject(features))
      columns.push(
        ...readFeatureVerdicts(features, itemAt.child('parameters').child('features'), test),
      );
  });
  return { tests: out, columns };
}

/**
 * Legacy drift tests (TestShareOfDriftedColumns, TestColumnDrift…) list per-column verdicts in
 * `parameters.features`: `{<column>: {stattest, score, threshold, detected}}`.
 */
function readFeatureVerdicts(features: JsonObject, at: Location, test: TestResult): ColumnDrift[] {
  const out: ColumnDrift[] = [];
  for (const [column, entry] of Object.entries(features)) {
    const entryAt = at.child(column);
    if (!isJsonObject(entry) || !Object.hasOwn(entry, 'detected')) continue;
    const detected = readBoolean(entry, 'detected', entryAt);
    const score = readNumber(entry, 'score', entryAt);
    const threshold = readNumber(entry, 'threshold', entryAt);
    const stattest = readText(entry, 'stattest', entryAt);
    out.push({
      column,
      drifted: detected,
      score,
      threshold,
      stattest,
      columnType: undefined,
      metric: 'TestSuite',
      metricId: undefined,
      test,
      raw: entry,
    });
  }
  return out;
}

function readMetricRef(item: JsonObject, at: Location): string | undefined {
  const config = getOwn(item, 'metric_config');
  if (config === undefined || config === null) return undefined;
  if (!isJsonObject(config)) {
    at.child('metric_config').error(
      `must be an object with the tested metric's id; got ${got(config)}.`,
    );
    return undefined;
  }
  return readText(config, 'metric_id', at.child('metric_config'));
}

/** A legacy suite's `summary`: one verdict for the whole run. */
export function readSummary(value: unknown, at: Location): SuiteSummary | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) {
    at.error(
      `must be the test suite summary object (all_passed, total_tests, …); got ${got(value)}.`,
    );
    return undefined;
  }
  const allPassed = readBoolean(value, 'all_passed', at);
  const total = readNumber(value, 'total_tests', at, { count: true });
  const success = readNumber(value, 'success_tests', at, { count: true });
  const failed = readNumber(value, 'failed_tests', at, { count: true });
  if (allPassed === undefined) {
    if (getOwn(value, 'all_passed') === undefined)
      at.child('all_passed').error('is required: true or false, the verdict of the suite.');
    return undefined;
  }
  return { allPassed, total, success, failed, raw: value };
}
