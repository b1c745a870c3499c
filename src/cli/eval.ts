import { loadConfig } from '../config/load-config.js';
import { loadRulesOrReport } from './load-rules.js';
import { engineOptions } from '../correlate/engine-options.js';
import { evaluate, eventScores, isPositiveLabel } from '../correlate/evaluate.js';
import type { Match } from '../correlate/match.js';
import { Replay, readRecordedLine } from '../correlate/replay.js';
import { getEventField } from '../ingest/canonical-event.js';
import { EVENT_KEYS } from '../ingest/normalizers/canonical-input.js';
import { readLines } from './replay-inputs.js';
import { EVAL_USAGE } from './usage.js';

/** Every contributing event is listed in a match here (replay caps them): eval needs them all. */
const ALL_REFS = 10_000_000;

/** The top-level keys a recorded line may have; any other is refused by the canonical read. */
const LINE_KEYS: ReadonlySet<string> = new Set([...EVENT_KEYS, 'source', 'received']);

export async function runEval(argv: readonly string[]): Promise<number> {
  let contentDir = '.';
  let label = 'label';
  let json = false;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--content') contentDir = argv[(i += 1)] ?? '';
    else if (arg === '--label') label = argv[(i += 1)] ?? '';
    else if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') {
      console.log(EVAL_USAGE);
      return 0;
    } else if (arg.startsWith('-') && arg !== '-') {
      console.error(`cordon eval: unknown option "${arg}".\n\n${EVAL_USAGE}`);
      return 2;
    } else inputs.push(arg);
  }
  if (inputs.length !== 1 || contentDir === '' || label === '') {
    console.error(`cordon eval: name one labelled .ndjson file.\n\n${EVAL_USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const content = await loadRulesOrReport('eval', contentDir);
  if (!content) return 1;
  const options = engineOptions(config.correlate, content.connectors, 1);
  const matches: Match[] = [];
  const replay = new Replay(
    content.rules,
    { ...options, limits: { ...options.limits, maxRefsPerMatch: ALL_REFS } },
    (m) => matches.push(m),
    config.ingest.dedupeWindowMs,
  );
  // A label kept beside the event (the default "label", or e.g. truth.attack) is no field of a
  // canonical event: it is taken off each line before the line is read as one.
  const top = label.split('.')[0] ?? '';
  const labelKey = LINE_KEYS.has(top) ? undefined : top;
  const labels = new Map<string, boolean>();
  const now = Date.now();
  let lineNo = 0;
  let bad = 0;
  await readLines(inputs[0] as string, (line) => {
    lineNo += 1;
    if (line.trim() === '') return;
    const { text, value } = takeLabel(line, label, labelKey);
    const read = readRecordedLine(text, now, 'replay');
    if (read.ok !== true) {
      if (read.ok === false) {
        bad += 1;
        if (bad <= 20) console.error(`${inputs[0] ?? ''}:${lineNo}: ${read.reason}`);
      }
      return;
    }
    labels.set(`${read.event.source}/${read.event.id}`, isPositiveLabel(value));
    replay.push(read.event);
  });
  replay.finish();
  const overall = evaluate(labels, eventScores(matches));
  const rules = [...new Set(matches.map((m) => m.rule))].sort().map((rule) => ({
    rule,
    matches: matches.filter((m) => m.rule === rule).length,
    ...evaluate(labels, eventScores(matches.filter((m) => m.rule === rule))),
  }));
  if (json) {
    console.log(JSON.stringify({ label, ...overall, rules }));
  } else {
    const f = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
    console.log(`${'rule'.padEnd(44)} matches  predicted  precision  recall  roc_auc`);
    for (const r of [...rules, { rule: 'all rules', matches: matches.length, ...overall }])
      console.log(
        `${r.rule.padEnd(44)} ${String(r.matches).padStart(7)}  ${String(r.predicted).padStart(9)}  ${f(r.precision).padStart(9)}  ${f(r.recall).padStart(6)}  ${f(r.auc).padStart(7)}`,
      );
    console.log(
      `\n${overall.events} events, ${overall.positives} labelled positive by "${label}"${bad > 0 ? `, ${bad} bad lines skipped` : ''}.`,
    );
  }
  return bad > 0 && labels.size === 0 ? 1 : 0;
}

/**
 * The line's label (read at `label`) and the line to read as a canonical event: without the
 * top-level key `labelKey` when given (a key beside the event's own), else the line unchanged.
 * A line that is not a JSON object is passed on as it is, for the canonical read to report.
 */
function takeLabel(
  line: string,
  label: string,
  labelKey: string | undefined,
): { text: string; value: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { text: line, value: undefined };
  }
  const value = getEventField(raw, label);
  if (labelKey === undefined || typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { text: line, value };
  if (!Object.hasOwn(raw, labelKey)) return { text: line, value };
  const { [labelKey]: _label, ...event } = raw as Record<string, unknown>;
  return { text: JSON.stringify(event), value };
}
