import type { YamlPath } from '../../../shared/yaml.js';
import type { RuleContext } from '../context.js';
import { NO_PIPELINE } from '../pipeline/rule-pipeline.js';
import { closeEscape } from './wildcard.js';

/** pySigma's placeholder: `%name%` not preceded by a backslash (`\%` is a plain `%`). */
const PLACEHOLDER = /(?<!\\)%(\w+)%/g;

/**
 * `expand`: each `%name%` in a string value takes the values the processing pipelines give the
 * placeholder (`vars` and a value_placeholders or wildcard_placeholders transformation). A
 * placeholder with several values makes the string several values, any of which may match;
 * two placeholders in one string make every combination. Undefined after reporting one that
 * no pipeline gives values.
 *
 * The pieces are joined as Sigma text, each keeping its own meaning as pySigma's parsed
 * strings do: a piece ending in an unescaped backslash (a var's `C:\Temp\` before `*`) gets
 * it escaped, so it stays a backslash instead of escaping the wildcard that follows.
 */
export function expandPlaceholders(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
): { value: unknown } | undefined {
  const pipeline = ctx.pipeline ?? NO_PIPELINE;
  const list = Array.isArray(value) ? value : [value];
  const out: unknown[] = [];
  let ok = true;
  list.forEach((item, i) => {
    if (typeof item !== 'string') {
      out.push(item);
      return;
    }
    let variants = [''];
    let last = 0;
    for (const m of item.matchAll(PLACEHOLDER)) {
      const name = m[1] ?? '';
      const values = pipeline.placeholder(name);
      if (values.kind !== 'values') {
        ok = false;
        ctx.sink.error(
          Array.isArray(value) ? [...path, i] : path,
          'CORDON_ERR_RULE_PLACEHOLDER',
          values.kind === 'undefined-var'
            ? `${ctx.subject} field "${key}" expands the placeholder "%${name}%", which ${values.by} handles but no pipeline's vars define; got "${item}". Add "${name}" to a pipeline's vars, or leave it to a later item (include/exclude).`
            : `${ctx.subject} field "${key}" expands the placeholder "%${name}%", which no processing pipeline gives values; got "${item}". Add "${name}" to a pipeline's vars with a value_placeholders transformation, or match anything there with wildcard_placeholders.`,
        );
        return;
      }
      const before = closeEscape(unescapePercent(item.slice(last, m.index)));
      variants = variants.flatMap((v) => values.values.map((x) => v + before + x));
      last = (m.index ?? 0) + m[0].length;
    }
    const rest = unescapePercent(item.slice(last));
    out.push(...variants.map((v) => v + rest));
  });
  if (!ok) return undefined;
  return { value: Array.isArray(value) || out.length > 1 ? out : out[0] };
}

/** `\%` → `%`, as pySigma reads an escaped percent sign once placeholders are expanded. */
function unescapePercent(text: string): string {
  return text.replace(/\\%/g, '%');
}
