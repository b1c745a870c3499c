import type { NormalisedEvent } from '../../canonical-event.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject, setOwn } from '../../normalizers/json-values.js';
import { utf8Lines } from '../../normalizers/utf8-lines.js';
import type { SourceKind } from '../source-kind.js';
import { readEcsDocument } from '../ecs/index.js';
import { rememberRawText } from '../raw-text.js';
import { batchItemAt, EvaluationBudget, mapItem } from '../json-map/index.js';
import type { BulkAction } from './bulk-lines.js';
import { parseBulkLines } from './bulk-lines.js';
import { bulkActionsRead, rememberBulkActions, restoreBulkActions } from './read-actions.js';
import { elasticInfoHandshake } from './handshake.js';
import { elasticBulkOptionsSpec } from './options.js';
import type { ElasticBulkOptions } from './options.js';

/**
 * An Elasticsearch `_bulk` body, as Filebeat, Fluent Bit, Logstash and Vector send it when
 * pointed at Cordon instead of Elasticsearch: each action is one batch item (its index is
 * its place among the actions, as in the `_bulk` response); documents are read as ECS unless
 * the connector maps them; `delete` actions are acknowledged and give no event.
 */
export const elasticBulkKind: SourceKind<ElasticBulkOptions> = {
  type: 'elastic-bulk',
  title: 'Elasticsearch _bulk body (Filebeat, Fluent Bit, Logstash, Vector)',
  category: 'mapped',
  // _bulk is NDJSON, but Beats and older clients label it application/json.
  contentTypes: ['application/x-ndjson', 'application/json'],
  auth: ['basic', 'bearer', 'header'],
  options: elasticBulkOptionsSpec,
  handshake: elasticInfoHandshake,
  // ECS documents are read statelessly; a mapping (JSONata, compiled) stays on the main thread.
  // The actions the reader parsed go back with the events: the `_bulk` answer lists them.
  offload: {
    eligible: (options) => options.mapping === undefined,
    carry: (body) => bulkActionsRead(body),
    restore: (body, carried) => restoreBulkActions(body, carried),
  },
  async normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    const lines = utf8Lines(request.body);
    if (lines === undefined) {
      root.error('is not valid UTF-8; send the body UTF-8 encoded (Elasticsearch requires it).');
      return findings.result([]);
    }
    const parsed = parseBulkLines(lines, ctx.maxDepth);
    if (!parsed.ok) {
      const { line, reason } = parsed.failure;
      (line === undefined ? root : root.item(line, `line ${line + 1}: `)).error(reason);
      return findings.result([]);
    }
    rememberBulkActions(request.body, parsed.actions);
    const budget = new EvaluationBudget();
    for (const action of parsed.actions) {
      const at = (line: number): Location =>
        batchItemAt(findings, root, line, action.ordinal, `line ${line + 1}: `);
      const actionAt = at(action.actionLine);
      // ECS documents are read synchronously; only a mapping (JSONata) is awaited, so a batch
      // of ECS documents costs no promise and no microtask per action.
      const read = readAction(action, at, actionAt, ctx.options, ctx.now, budget);
      for (const event of read instanceof Promise ? await read : read)
        findings.emit(event, actionAt);
    }
    return findings.batch();
  },
};

function readAction(
  action: BulkAction,
  at: (line: number) => Location,
  actionLineAt: Location,
  options: ElasticBulkOptions,
  now: number,
  budget: EvaluationBudget,
): NormalisedEvent[] | Promise<NormalisedEvent[]> {
  const actionAt = actionLineAt.child(action.type);
  const id = getOwn(action.meta, '_id');
  const index = getOwn(action.meta, '_index');
  if (id !== undefined && id !== null && typeof id !== 'string') {
    actionAt.child('_id').error(`must be a string; got ${got(id)}.`);
  }
  if (index !== undefined && index !== null && typeof index !== 'string') {
    actionAt
      .child('_index')
      .error(`must be a string (the index or data stream name); got ${got(index)}.`);
  }
  // Elasticsearch deletes by id; nothing happened that a rule could match.
  if (action.type === 'delete') return [];
  if (action.docLine === undefined || action.docProblem !== undefined) {
    at(action.docLine ?? action.actionLine).error(action.docProblem ?? 'has no document.');
    return [];
  }
  const docAt = at(action.docLine);
  const doc =
    action.type === 'update'
      ? updatedDocument(action.doc, docAt)
      : { value: action.doc, at: docAt };
  // A bad _id or _index above rejects the item too (Findings.batch drops its events).
  if (doc === undefined) return [];
  const labels: Record<string, string> = { es_action: action.type };
  if (typeof index === 'string' && index !== '') labels.es_index = index;
  if (options.mapping === undefined) {
    const event = readEcsDocument(doc.value, doc.at, now, {
      id: typeof id === 'string' && id !== '' ? id : undefined,
      labels,
    });
    if (event === undefined) return [];
    // The document is the event's raw: the log stores its line rather than re-serialising it.
    // Recorded once read, so the reader walks the documents as JSON.parse made them.
    if (action.type !== 'update' && action.docText !== undefined && isJsonObject(doc.value))
      rememberRawText(doc.value, action.docText);
    return [event];
  }
  return mapItem(options.mapping, doc, doc, now, budget).then((events) =>
    withLabels(events, labels),
  );
}

/** The action's labels beside a mapping's own (the mapping's win). */
function withLabels(
  events: readonly NormalisedEvent[],
  labels: Readonly<Record<string, string>>,
): NormalisedEvent[] {
  return events.map((event) => {
    const merged = { ...event.labels };
    for (const [key, value] of Object.entries(labels))
      if (getOwn(merged, key) === undefined) setOwn(merged, key, value);
    return { ...event, labels: merged };
  });
}

/** An update's partial document (`doc`) or its upsert; a script update carries none. */
function updatedDocument(
  value: unknown,
  at: Location,
): { value: unknown; at: Location } | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be an update body such as {"doc": {…}}; got ${got(value)}.`);
    return undefined;
  }
  for (const key of ['doc', 'upsert']) {
    const doc = getOwn(value, key);
    if (doc !== undefined && doc !== null) return { value: doc, at: at.child(key) };
  }
  at.error(
    Object.hasOwn(value, 'script')
      ? 'is a scripted update, which carries no document to read; send index or create actions (or update with "doc").'
      : 'must hold the document under "doc" (or "upsert"), such as {"doc": {…}}.',
  );
  return undefined;
}
