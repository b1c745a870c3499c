import type { Diagnostic } from '../../shared/diagnostics.js';
import { describe } from '../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../shared/shape.js';
import type { PositionMap } from '../../shared/yaml.js';
import { DiagnosticSink, loadYaml } from '../../shared/yaml.js';
import type { RuleContext } from './context.js';
import type { DetectionSettings } from './cordon-extension.js';
import { parseDetectionSettings } from './cordon-extension.js';
import type { DetectionIR } from './detection/ir.js';
import { parseDetectionRule } from './detection/parse-detection.js';
import { writtenItems } from './detection/written-items.js';
import type { CorrelationDraft } from './parse-correlation.js';
import { parseCorrelationRule } from './parse-correlation.js';
import type { RuleMetadata } from './rule-metadata.js';
import { parseMetadata, readIdentity, ruleSubject, titleKey } from './rule-metadata.js';
import type { RuleSource } from './rule-source.js';
import type { Logsource, Pipeline } from './pipeline/index.js';
import { firstFailure, pipelineForRule, type PipelineFailure } from './pipeline/index.js';

/**
 * Step one of building a rule set: YAML → one ParsedRule per document, each checked on its own
 * (shape, modifiers, conditions). Cross-document checks (duplicates, references) come next, in
 * validate-rules.ts.
 */

export const COMMON_KEYS = [
  'id',
  'name',
  'status',
  'description',
  'author',
  'date',
  'modified',
  'references',
  'tags',
  'level',
  'falsepositives',
] as const;
export const DETECTION_KEYS = [
  ...COMMON_KEYS,
  'logsource',
  'fields',
  'related',
  'license',
  'taxonomy',
  'scope',
  'cordon',
];
export const CORRELATION_KEYS = [
  ...COMMON_KEYS,
  'generate',
  'taxonomy',
  'license',
  'related',
  'cordon',
];

interface ParsedBase extends RuleMetadata {
  readonly ctx: RuleContext;
  readonly file: string;
  /** `file:line` of the document. */
  readonly origin: string;
  readonly positions: PositionMap;
}

export interface ParsedDetection extends ParsedBase {
  readonly kind: 'detection';
  /** Undefined when the detection block had errors. */
  readonly detection: DetectionIR | undefined;
  readonly settings: DetectionSettings;
}

export interface ParsedCorrelation extends ParsedBase {
  readonly kind: 'correlation';
  readonly correlation: CorrelationDraft;
}

export type ParsedRule = ParsedDetection | ParsedCorrelation;

export interface ParsedSources {
  readonly rules: readonly ParsedRule[];
  /** Every sink, so later steps can add diagnostics that resolve to the right position. */
  readonly sinks: readonly DiagnosticSink[];
  /** YAML syntax problems (they have no sink: the file yielded no documents). */
  readonly diagnostics: readonly Diagnostic[];
  /** Rules a pipeline's rule_failure skipped, by name and id: what skipped them. */
  readonly skipped: ReadonlyMap<string, string>;
}

/** `pipelines`: the processing pipelines beside the rules, in the order they apply. */
export function parseRuleSources(
  sources: readonly RuleSource[],
  pipelines: readonly Pipeline[] = [],
): ParsedSources {
  const rules: ParsedRule[] = [];
  const sinks: DiagnosticSink[] = [];
  const diagnostics: Diagnostic[] = [];
  const skipped = new Map<string, string>();
  for (const source of sources) {
    const loaded = loadYaml(source.text, source.file);
    diagnostics.push(...loaded.diagnostics);
    const multi = loaded.documents.length > 1;
    for (const doc of loaded.documents) {
      // An empty document has no node to point at; point at the "---" that opened it instead.
      if (doc.value === null)
        doc.positions.setValue([], { line: separatorLine(source.text, doc.index), column: 1 });
      const sink = new DiagnosticSink(source.file, doc.positions);
      sinks.push(sink);
      const where = multi
        ? `Document ${doc.index + 1} of ${source.file}`
        : `Document ${source.file}`;
      const rule = parseDocument(sink, source.file, doc.positions, doc.value, where, {
        pipelines,
        skipped,
      });
      if (rule) rules.push(rule);
    }
  }
  return { rules, sinks, diagnostics, skipped };
}

/** What the skipped-rule warning tells the author to do, by the refusing item's type. */
const SKIP_FIX: Readonly<Record<string, string>> = {
  rule_failure: "Change that transformation's rule_conditions to load it.",
  detection_item_failure: "Change that transformation's conditions to load it.",
  strict_field_mapping_failure:
    'Rename the field with an item before that transformation, or change its rule_conditions, to load it.',
};

function parseDocument(
  sink: DiagnosticSink,
  file: string,
  positions: PositionMap,
  value: unknown,
  where: string,
  { pipelines, skipped }: { pipelines: readonly Pipeline[]; skipped: Map<string, string> },
): ParsedRule | undefined {
  if (!isMapping(value)) {
    sink.error(
      [],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${where} must be a mapping with a title and a detection or correlation; got ${value === null ? 'an empty document' : describe(value)}. Remove the empty document (a stray "---") or write a rule.`,
    );
    return undefined;
  }
  const identity = readIdentity(value);
  const hasDetection = value.detection !== undefined;
  const hasCorrelation = value.correlation !== undefined;
  const pipeline = pipelineForRule(pipelines, {
    correlation: hasCorrelation,
    logsource: hasCorrelation ? undefined : logsourceOf(value.logsource),
    tags: Array.isArray(value.tags) ? value.tags.filter((t) => typeof t === 'string') : [],
    attributes: value,
    itemsOf: writtenItems,
  });
  let itemFailure: PipelineFailure | undefined;
  const ctx: RuleContext = {
    sink,
    subject: ruleSubject(identity, where),
    pipeline,
    // The first refusing item in the pipelines' order, whichever detection item met it.
    onItemFailure: (f) => (itemFailure = firstFailure(itemFailure, f)),
  };
  const skip = (failure: PipelineFailure): undefined => {
    const keys = [identity.name, identity.id].filter((k) => k !== undefined);
    // A rule with neither is referred to by its title's key.
    if (keys.length === 0 && identity.title !== undefined) keys.push(titleKey(identity.title));
    for (const key of keys) skipped.set(key, `${failure.by} (${failure.type})`);
    sink.warning(
      [],
      'CORDON_WARN_RULE_SKIPPED_BY_PIPELINE',
      `${ctx.subject} is skipped: ${failure.by} refuses it with "${failure.message}". ${SKIP_FIX[failure.type] ?? SKIP_FIX.rule_failure}`,
    );
    return undefined;
  };
  // A detection rule's items are read first: an item failure earlier in the pipelines wins.
  if (pipeline.failure && !(hasDetection && !hasCorrelation)) return skip(pipeline.failure);
  // What the rule's document reported before a detection_item_failure skips it is withdrawn:
  // pySigma fails such a rule as a whole (its other problems are the failure's to explain).
  const reportedBefore = sink.diagnostics.length;
  if (hasDetection === hasCorrelation) {
    sink.error(
      [],
      hasDetection ? 'CORDON_ERR_DEFINITION_VALUE' : 'CORDON_ERR_DEFINITION_REQUIRED',
      hasDetection
        ? `${ctx.subject} has both "detection" and "correlation"; got a document that is two rules at once. Split it into two documents separated by "---".`
        : `${ctx.subject} has neither "detection" nor "correlation"; got keys ${Object.keys(value).join(', ') || '(none)'}. Add a detection block (a Sigma rule) or a correlation block (a Sigma correlation).`,
    );
    return undefined;
  }

  const origin = `${file}:${positions.get([]).line}`;
  if (hasDetection) {
    checkTopLevelKeys(sink, value, ctx.subject, ['title', 'detection'], DETECTION_KEYS);
    const metadata = parseMetadata(ctx, value);
    const detection = parseDetectionRule(ctx, value);
    const settings = parseDetectionSettings(ctx, value.cordon);
    const failure = firstFailure(pipeline.failure, itemFailure);
    if (failure) {
      sink.diagnostics.length = reportedBefore;
      return skip(failure);
    }
    return { kind: 'detection', ...metadata, ctx, file, origin, positions, detection, settings };
  }
  checkTopLevelKeys(sink, value, ctx.subject, ['title', 'correlation'], CORRELATION_KEYS);
  const metadata = parseMetadata(ctx, value);
  const correlation = parseCorrelationRule(ctx, value);
  return { kind: 'correlation', ...metadata, ctx, file, origin, positions, correlation };
}

/** The strings of a rule's logsource, as pipeline conditions compare them. */
function logsourceOf(value: unknown): Logsource {
  if (!isMapping(value)) return {};
  const part = (key: string): string | undefined =>
    typeof value[key] === 'string' ? value[key] : undefined;
  return { category: part('category'), product: part('product'), service: part('service') };
}

/**
 * Required keys are errors when missing. Other keys Sigma leaves open (custom attributes such
 * as `regression_tests_path` or `simulation` are valid Sigma), so an unknown one is a warning
 * that names the closest known key, in case it is a typo.
 */
function checkTopLevelKeys(
  sink: DiagnosticSink,
  value: Record<string, unknown>,
  subject: string,
  required: readonly string[],
  known: readonly string[],
): void {
  checkKeys(sink, [], value, subject, { required, optional: [...known, ...Object.keys(value)] });
  for (const key of Object.keys(value)) {
    if (known.includes(key) || required.includes(key)) continue;
    const hint = suggest(key, [...known]);
    sink.warning(
      [key],
      'CORDON_WARN_RULE_UNUSED',
      `${subject} has key "${key}", which Cordon does not use (Sigma allows custom attributes).${hint ? ` Did you mean "${hint}"?` : ''}`,
      true,
    );
  }
}

/**
 * Line of the `---` that opens document `index` (1 when unknown). Document 0 has a separator
 * only when the file starts with one.
 */
function separatorLine(text: string, index: number): number {
  const lines = text.split('\n');
  const separators: number[] = [];
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line)) separators.push(i + 1);
  });
  const firstContent = lines.find(
    (l) => l.trim() !== '' && !l.trimStart().startsWith('#') && !l.startsWith('%'),
  );
  const leading = firstContent !== undefined && /^---(\s|$)/.test(firstContent);
  return separators[leading ? index : index - 1] ?? 1;
}
