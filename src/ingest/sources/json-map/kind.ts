import { Findings } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';
import type { SourceKind } from '../source-kind.js';
import { batchItemAt } from './batch-location.js';
import { JSON_AND_NDJSON, linePrefix, readJsonItems } from './json-items.js';
import { EvaluationBudget } from './jsonata-eval.js';
import { mapItem } from './mapper.js';
import { jsonMapOptionsSpec } from './options.js';
import type { JsonMapOptions } from './options.js';
import { readSourcePath } from './source-path.js';

/**
 * Any JSON webhook, mapped onto the canonical event by the connector's options alone (ML
 * monitors such as Arize or Fiddler, in-house tools): `fields:` for field-by-field paths,
 * or `jsonata:` for anything a path cannot express. `items:` fans out an array of events.
 *
 * ```yaml
 * type: json-map
 * options:
 *   items: alerts                      # optional: the array of events in the body
 *   fields:
 *     kind: { const: drift }           # required, const or path
 *     id: alert_id                     # a path (shorthand); else a hash of the item
 *     time: { path: timestamp, as: epoch_s }     # or epoch_ms, rfc3339; absent = receipt time
 *     severity: { path: severity, as: { map: { CRITICAL: critical, WARNING: medium } } }
 *     entity.model: model
 *     measures.drift_score: { path: value, as: number }
 *     labels.organization: $.organization        # $. reads from the top of the body
 *   # or instead of fields:
 *   # jsonata: '{"kind": "drift", "time": $toMillis(triggered_at), "entity": {"model": model.id}}'
 * ```
 */
export const jsonMapKind: SourceKind<JsonMapOptions> = {
  type: 'json-map',
  title: 'Any JSON webhook, mapped by configuration (fields: paths or a jsonata: expression)',
  category: 'mapped',
  contentTypes: JSON_AND_NDJSON,
  auth: ['bearer', 'basic', 'hmac', 'header', 'none'],
  options: jsonMapOptionsSpec,
  async normalise(request, ctx) {
    const findings = new Findings();
    const docs = readJsonItems(request.body, ctx.contentType, findings.root(), {
      expected: 'a JSON object, a JSON array of them, or NDJSON',
      maxDepth: ctx.maxDepth,
    });
    const { items, mapping } = ctx.options;
    const budget = new EvaluationBudget();
    let index = 0;
    for (const doc of docs) {
      if (items === undefined) {
        for (const event of await mapItem(mapping, doc, doc, ctx.now, budget))
          findings.emit(event, doc.at);
        continue;
      }
      const list = readSourcePath(items, doc, doc);
      if (!Array.isArray(list.value)) {
        list.at.error(
          `must be the array of events this connector fans out (options.items: "${items.text}"); got ${got(list.value)}.`,
        );
        continue;
      }
      const elements: readonly unknown[] = list.value;
      if (elements.length === 0)
        list.at.warn(`is an empty list (options.items: "${items.text}"); no events in it.`);
      for (const [position, value] of elements.entries()) {
        const at = batchItemAt(
          findings,
          list.at,
          position,
          index,
          linePrefix(ctx.contentType, doc.at),
        );
        index += 1;
        for (const event of await mapItem(mapping, { value, at }, doc, ctx.now, budget))
          findings.emit(event, at);
      }
    }
    return findings.batch();
  },
};
