// How much of a Sigma rule corpus Cordon loads, and why the rest is refused.
//
//   npm run build && node bench/sigma-corpus.mjs <dir> [--list CODE]
//
// <dir> is a checkout of SigmaHQ/sigma (or any folder of Sigma .yml files; rules/,
// rules-emerging-threats/ and rules-threat-hunting/ are read when present). Each file is
// validated on its own, as `cordon validate` would. Rules refused only because a field name maps
// to no canonical event path (Windows and Linux endpoint fields: Image, CommandLine, …) are
// counted apart; for the others the first error code (and, for modifiers, the modifier) is
// tallied. `--list CODE` prints the files refused with that code.
// `--pipeline FILE` (repeatable) validates every rule with that processing pipeline beside it
// (pySigma YAML; e.g. docs/pipelines/sigmahq-labels.pipeline.yaml), as a
// `*.pipeline.yaml` file in correlations/ would be applied.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildRuleSet } from '../dist/correlate/rule/index.js';

const root = process.argv[2];
const listCode =
  process.argv.indexOf('--list') > 0 ? process.argv[process.argv.indexOf('--list') + 1] : undefined;
const pipelines = process.argv
  .flatMap((a, i) => (a === '--pipeline' ? [process.argv[i + 1]] : []))
  .map((file) => ({
    file: file.endsWith('.pipeline.yaml') ? file : `${file}.pipeline.yaml`,
    text: readFileSync(file, 'utf8'),
  }));
if (!root) {
  console.error(
    'usage: node bench/sigma-corpus.mjs <sigma checkout or folder> [--list CODE] [--pipeline FILE]...',
  );
  process.exit(2);
}

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...files(full));
    else if (name.endsWith('.yml') || name.endsWith('.yaml')) out.push(full);
  }
  return out;
}

const tops = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => join(root, d));
const dirs = tops.filter((d) => {
  try {
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
});
const all = (dirs.length ? dirs : [root]).flatMap(files);

let accepted = 0;
let neverMatch = 0;
let everyKind = 0;
let skipped = 0;
let fieldsOnly = 0;
const fieldNames = new Map();
const causes = new Map();
const listed = [];
const started = performance.now();
for (const file of all) {
  const text = readFileSync(file, 'utf8');
  const { diagnostics } = buildRuleSet([{ file: relative(root, file), text }, ...pipelines]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) {
    if (diagnostics.some((d) => d.code === 'CORDON_WARN_RULE_SKIPPED_BY_PIPELINE')) skipped += 1;
    else {
      accepted += 1;
      if (diagnostics.some((d) => d.code === 'CORDON_WARN_RULE_NEVER_MATCHES')) neverMatch += 1;
      if (diagnostics.some((d) => d.code === 'CORDON_WARN_RULE_EVERY_KIND')) everyKind += 1;
    }
    continue;
  }
  const other = errors.filter((d) => d.code !== 'CORDON_ERR_RULE_FIELD');
  if (other.length === 0) {
    fieldsOnly += 1;
    for (const d of errors) {
      const name = /got "([^"]*)"/.exec(d.message)?.[1] ?? '?';
      fieldNames.set(name, (fieldNames.get(name) ?? 0) + 1);
    }
    continue;
  }
  const first = other[0];
  const detail =
    first.code === 'CORDON_ERR_RULE_UNSUPPORTED' || first.code === 'CORDON_ERR_RULE_MODIFIER'
      ? ` (${/got "([^"]*)"/.exec(first.message)?.[1]?.split('|').slice(1).join('|') || first.message.slice(0, 80)})`
      : '';
  const cause = `${first.code}${detail}`;
  causes.set(cause, (causes.get(cause) ?? 0) + 1);
  if (listCode && first.code === listCode) listed.push(`${relative(root, file)}: ${first.message}`);
}
const seconds = (performance.now() - started) / 1000;
const pct = (n) => `${((100 * n) / all.length).toFixed(1)} %`;
console.log(
  `${all.length} rule files under ${root} (${seconds.toFixed(1)} s)${pipelines.length ? `, with ${pipelines.map((p) => p.file).join(', ')}` : ''}\n`,
);
console.log('| outcome | files | share |');
console.log('|---|---|---|');
console.log(
  `| loaded ${pipelines.length ? 'with the pipelines' : 'as written'} | ${accepted} | ${pct(accepted)} |`,
);
console.log(
  `| of which can never match (logsource category not a Cordon event kind) | ${neverMatch} | ${pct(neverMatch)} |`,
);
console.log(
  `| of which search keywords in every event kind (a product or service, no category) | ${everyKind} | ${pct(everyKind)} |`,
);
if (pipelines.length)
  console.log(
    `| skipped by a pipeline's rule_failure, detection_item_failure or strict_field_mapping_failure | ${skipped} | ${pct(skipped)} |`,
  );
console.log(
  `| refused only for field names Cordon does not map | ${fieldsOnly} | ${pct(fieldsOnly)} |`,
);
const refused = all.length - accepted - skipped - fieldsOnly;
console.log(`| refused for other reasons | ${refused} | ${pct(refused)} |`);
console.log('\nMost common unmapped field names (files):');
console.log(
  [...fieldNames]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([n, c]) => `${n} ${c}`)
    .join(', '),
);
console.log('\nOther refusals, by first error:');
for (const [cause, n] of [...causes].sort((a, b) => b[1] - a[1]))
  console.log(`  ${String(n).padStart(5)}  ${cause}`);
if (listCode) console.log(`\n${listed.join('\n')}`);
