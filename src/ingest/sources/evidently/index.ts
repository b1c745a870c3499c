import { sha256Hex, stableStringify } from '../../../shared/hash.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind, SourceRequest } from '../source-kind.js';
import { decodeUtf8Text } from '../monitors-common/text-lines.js';
import { BARE, readEnvelope } from './envelope.js';
import type { Envelope } from './envelope.js';
import { reportEvents } from './events.js';
import { replaceNonFiniteTokens } from './python-json.js';
import { readReport } from './read-report.js';

const EXPECTED =
  'an Evidently report, test suite or snapshot as JSON, bare or as {"project", "model", "model_version", "window", "report"}';

/**
 * Evidently drift reports and test suites (ingest-formats §6), legacy (≤0.6) and snapshot
 * (≥0.7) shapes. A report is one unit, refused whole when any part is wrong: its events are
 * derived from metrics and tests together (a snapshot column drifted only if its test says so).
 */
export const evidentlyKind: SourceKind<undefined> = {
  type: 'evidently',
  title: 'Evidently drift report / test suite (posted by your job, bare or in an envelope)',
  category: 'monitor',
  contentTypes: ['application/json'],
  auth: ['bearer', 'basic', 'hmac'],
  normalise(request: SourceRequest, ctx: SourceContext<undefined>): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const text = decodeUtf8Text(request.body, root);
    if (text === undefined) return findings.result([]);
    const { text: clean, found } = replaceNonFiniteTokens(text);
    for (const token of found)
      root.warn(
        `line ${token.line}, column ${token.column}: ${token.token} is not JSON (Python's json writes it for a non-finite float); read as a missing value.`,
      );
    const parsed = parseJsonBody(Buffer.from(clean), root, {
      maxDepth: ctx.maxDepth,
      expected: EXPECTED,
    });
    if (!parsed.ok) return findings.result([]);
    const body = parsed.value;
    if (!isJsonObject(body)) {
      root.error(`must be ${EXPECTED}; got ${got(body)}.`);
      return findings.result([]);
    }
    const wrapped = Object.hasOwn(body, 'report');
    const envelope = wrapped ? readEnvelope(body, root) : BARE;
    const report = wrapped ? getOwn(body, 'report') : body;
    const reportAt = wrapped ? root.child('report') : root;
    if (!isJsonObject(report)) {
      reportAt.error(
        `must be the Evidently report object (its .dict() output, or json.loads of its .json()); got ${got(report)}.`,
      );
      return findings.result([]);
    }
    const contents = readReport(report, reportAt);
    if (contents === undefined || findings.failed) return findings.result([]);
    const events = reportEvents(contents, {
      envelope,
      key: scopeKey(envelope, report),
      now: ctx.now,
      at: root,
    });
    explainMissing(contents.undecided, envelope, wrapped, events.length, reportAt, root);
    return findings.result(events);
  },
};

/**
 * Resends of one report must dedupe: the envelope's identity and window name a report; with
 * no window, the report's content does (key order ignored).
 */
function scopeKey(envelope: Envelope, report: Record<string, unknown>): string {
  const who = `${envelope.project ?? ''}|${envelope.model ?? ''}|${envelope.modelVersion ?? ''}`;
  const when =
    envelope.windowStart !== undefined || envelope.windowEnd !== undefined
      ? `${envelope.windowStart ?? ''}|${envelope.windowEnd ?? ''}`
      : `report:${sha256Hex(stableStringify(report)).slice(0, 32)}`;
  return `${who}|${when}`;
}

function explainMissing(
  undecided: readonly string[],
  envelope: Envelope,
  wrapped: boolean,
  count: number,
  reportAt: Location,
  root: Location,
): void {
  if (undecided.length > 0)
    reportAt
      .child('metrics')
      .warn(
        `no test says whether ${undecided.map((c) => JSON.stringify(c)).join(', ')} drifted, so no column event was made for them; run the report with tests (include_tests=True) to get one.`,
      );
  if (count === 0)
    reportAt.warn(
      'holds no drift metric (DatasetDriftMetric, DataDriftTable, ColumnDriftMetric, ValueDrift, DriftedColumnsCount) and no failed test; nothing was recorded.',
    );
  if (envelope.windowEnd === undefined && count > 0)
    root.warn(
      wrapped
        ? 'the envelope has no window.end, so the events carry the receipt time; send "window": {"start", "end"}.'
        : 'a bare report has no event time, so the events carry the receipt time; wrap it as {"model", "window": {"start", "end"}, "report"} to give it one.',
    );
}
