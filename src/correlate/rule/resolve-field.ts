import { suggest } from '../../shared/shape.js';
import type { YamlPath } from '../../shared/yaml.js';
import { knownFieldNames, resolveFieldPath } from '../field-map.js';
import type { RuleContext } from './context.js';
import { NO_PIPELINE } from './pipeline/rule-pipeline.js';
import type { RulePipeline } from './pipeline/rule-pipeline.js';

/** A rule's field name → canonical event paths, through the processing pipelines first. */
export type ResolvedField =
  | { readonly ok: true; readonly paths: readonly string[] }
  /** `name`: the (renamed) name that maps nowhere; `by`: the pipeline items that renamed it. */
  | { readonly ok: false; readonly name: string; readonly by: readonly string[] };

/** `pipeline`: whose renames apply (default the rule's own: a correlation passes its input's). */
export function resolveRuleField(
  ctx: RuleContext,
  field: string,
  pipeline: RulePipeline | undefined = ctx.pipeline,
): ResolvedField {
  const mapped = (pipeline ?? NO_PIPELINE).mapField(field);
  const paths: string[] = [];
  for (const name of mapped.names) {
    const path = resolveFieldPath(name);
    if (path === undefined) return { ok: false, name, by: mapped.by };
    if (!paths.includes(path)) paths.push(path);
  }
  return { ok: true, paths };
}

/**
 * The one canonical path of a field that must name exactly one (a group-by, a correlation's
 * field), or undefined after reporting, at `path`, that it maps nowhere or to several.
 */
export function resolveSingleField(
  ctx: RuleContext,
  path: YamlPath,
  field: string,
  prefix: string,
  pipeline: RulePipeline | undefined = ctx.pipeline,
): string | undefined {
  const resolved = resolveRuleField(ctx, field, pipeline);
  if (resolved.ok && resolved.paths.length === 1) return resolved.paths[0];
  ctx.sink.error(
    path,
    'CORDON_ERR_RULE_FIELD',
    resolved.ok
      ? `${prefix} is mapped by a processing pipeline to several fields; got ${resolved.paths.map((p) => `"${p}"`).join(', ')}. Map "${field}" to one field for the rules that group or measure by it.`
      : unknownFieldMessage(prefix, field, resolved),
  );
  return undefined;
}

/** `<prefix> maps to no canonical event path; got "<field>". <suggestion and fix>` */
export function unknownFieldMessage(
  prefix: string,
  field: string,
  resolved?: ResolvedField,
): string {
  const renamed = resolved !== undefined && !resolved.ok && resolved.by.length > 0;
  const name = resolved && !resolved.ok ? resolved.name : field;
  const hint = suggest(name, knownFieldNames());
  return (
    `${prefix} maps to no canonical event path; got "${name}"` +
    `${renamed ? ` (renamed from "${field}" by ${resolved.by.join(', then ')})` : ''}. ` +
    `${hint ? `Did you mean "${hint}"? ` : ''}Use a dotted canonical path such as "entity.api_key" or "labels.<name>", or map the name in a processing pipeline (a *.pipeline.yaml file beside the rules).`
  );
}
