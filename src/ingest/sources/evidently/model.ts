/** What a report says, whatever its shape (legacy ≤0.6 or snapshot ≥0.7), before events are built. */

/** A test's status as Evidently writes it (SKIPPED only in legacy test suites). */
export const TEST_STATUSES = ['SUCCESS', 'FAIL', 'WARNING', 'ERROR', 'SKIPPED'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

export interface TestResult {
  readonly index: number;
  readonly id: string | undefined;
  readonly name: string;
  readonly status: TestStatus;
  readonly description: string | undefined;
  readonly group: string | undefined;
  /** Snapshot tests point at the metric they check by its `id`. */
  readonly metricRef: string | undefined;
  readonly raw: unknown;
}

export interface ColumnDrift {
  readonly column: string;
  /** From `drift_detected` (legacy) or the linked test's status (snapshot); undefined = not said. */
  readonly drifted: boolean | undefined;
  readonly score: number | undefined;
  readonly threshold: number | undefined;
  readonly stattest: string | undefined;
  readonly columnType: string | undefined;
  /** `DataDriftTable`, `ColumnDriftMetric`, `ValueDrift`. */
  readonly metric: string;
  readonly metricId: string | undefined;
  readonly test: TestResult | undefined;
  readonly raw: unknown;
}

export interface DatasetDrift {
  readonly drifted: boolean | undefined;
  /** Measured share of drifted columns. */
  readonly share: number | undefined;
  /** The share at which the dataset counts as drifted (a setting, not a result). */
  readonly shareThreshold: number | undefined;
  readonly driftedColumns: number | undefined;
  readonly columns: number | undefined;
  readonly metric: string;
  readonly metricId: string | undefined;
  readonly test: TestResult | undefined;
  readonly raw: unknown;
}

export interface SuiteSummary {
  readonly allPassed: boolean;
  readonly total: number | undefined;
  readonly success: number | undefined;
  readonly failed: number | undefined;
  readonly raw: unknown;
}

export interface ReportContents {
  readonly format: 'legacy' | 'snapshot';
  readonly columns: ColumnDrift[];
  readonly dataset: DatasetDrift | undefined;
  readonly rows: number | undefined;
  /** Tests not already told through a column or dataset event. */
  readonly tests: TestResult[];
  readonly summary: SuiteSummary | undefined;
  /** ValueDrift metrics without a test: drift is not known, so no column event. */
  readonly undecided: string[];
}
