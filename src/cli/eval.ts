import { loadConfig } from '../config/load-config.js';
import { loadRulesOrReport } from './load-rules.js';
import { engineOptions } from '../correlate/engine-options.js';
import { evaluate, eventScores, isPositiveLabel } from '../correlate/evaluate.js';
import type { Match } from '../correlate/match.js';
import { Replay, readRecordedLine } from '../correlate/replay.js';
import { getEventField } from '../ingest/canonical-event.js';
import { readLines } from './replay-inputs.js';
import { EVAL_USAGE } from './usage.js';

/** Every contributing event is listed in a match here (replay caps them): eval needs them all. */
const ALL_REFS = 10_000_000;

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
  const labels = new Map<string, boolean>();
  const now = Date.now();
  let lineNo = 0;
  let bad = 0;
  await readLines(inputs[0] as string, (line) => {
    lineNo += 1;
    if (line.trim() === '') return;
    const read = readRecordedLine(line, now, 'replay');
    if (read.ok !== true) {
      if (read.ok === false) {
        bad += 1;
        if (bad <= 20) console.error(`${inputs[0] ?? ''}:${lineNo}: ${read.reason}`);
      }
      return;
    }
    const raw: unknown = JSON.parse(line);
    labels.set(`${read.event.source}/${read.event.id}`, isPositiveLabel(getEventField(raw, label)));
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
