import { bulkActionsRead } from '../../ingest/sources/elastic-bulk/index.js';
import { ELASTIC_SETUP_ROUTES } from './elastic-setup.js';
import { filterValue, parseFilterPath, type FilterPath } from './filter-path.js';
import type { DropInContext, DropInProtocol } from './protocol.js';

/** Elasticsearch version Cordon reports to shippers that check it before sending. */
const ES_VERSION = '8.11.0';

interface BulkAction {
  readonly op: string;
  readonly index: string;
  readonly id?: string;
}

/**
 * The action lines of a `_bulk` body, in order: the ones the `elastic-bulk` reader parsed when
 * it read this body (so the answer's items are the reader's items, index for index), else
 * read here (a body refused before or while it was split).
 */
export function bulkActions(body: Buffer): BulkAction[] {
  const read = bulkActionsRead(body);
  if (read === undefined) return parseActionLines(body);
  return read.types.map((op, i) => {
    const { _index: index, _id: id } = read.metas[i] ?? {};
    return typeof id === 'string'
      ? { op, index: typeof index === 'string' ? index : '', id }
      : { op, index: typeof index === 'string' ? index : '' };
  });
}

/** The action lines of a body the reader did not split (delete has no document line). */
export function parseActionLines(body: Buffer): BulkAction[] {
  const actions: BulkAction[] = [];
  const lines = body.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      actions.push({ op: 'index', index: '' });
      i += 1;
      continue;
    }
    const op = parsed && typeof parsed === 'object' ? Object.keys(parsed)[0] : undefined;
    const meta = op
      ? (parsed as Record<string, { _index?: unknown; _id?: unknown }>)[op]
      : undefined;
    actions.push({
      op: op ?? 'index',
      index: typeof meta?._index === 'string' ? meta._index : '',
      ...(typeof meta?._id === 'string' ? { id: meta._id } : {}),
    });
    if (op !== 'delete') i += 1;
  }
  return actions;
}

function items(context: DropInContext, refused: ReadonlyMap<number, string>, status: number) {
  const pathIndex = context.params.index;
  return bulkActions(context.body).map((action, n) => {
    const reason = refused.get(n);
    const _index = action.index || pathIndex || 'cordon';
    return {
      [action.op]: {
        _index,
        _id: action.id ?? `cordon-${n}`,
        ...(reason === undefined
          ? { status, result: action.op === 'delete' ? 'not_found' : 'created' }
          : { status: 400, error: { type: 'mapper_parsing_exception', reason } }),
      },
    };
  });
}

/**
 * The success answer as JSON text, written directly: the same text JSON.stringify makes of
 * `{took, errors, items}` from `items()` (as `filter` leaves it, when the request had a
 * `filter_path`), without building an object per item first (the answer lists every action; as
 * objects it was about 0.5 µs per event of a 500-document body).
 */
function answerJson(
  context: DropInContext,
  refused: ReadonlyMap<number, string>,
  filter: FilterPath | undefined,
): string {
  const pathIndex = context.params.index;
  const actions = bulkActions(context.body);
  // A batch's actions mostly share one index: its JSON string is made once per distinct value.
  const quoted = new Map<string, string>();
  const quote = (text: string): string => {
    let json = quoted.get(text);
    if (json === undefined) {
      json = JSON.stringify(text);
      quoted.set(text, json);
    }
    return json;
  };
  // What the filter keeps of each operation's item, asked once per operation.
  const kept = new Map<string, ItemFilter>();
  const keptOf = (op: string): ItemFilter => {
    let k = kept.get(op);
    if (k === undefined) {
      k = itemFilter(filter, op);
      kept.set(op, k);
    }
    return k;
  };
  const parts: string[] = [];
  for (let n = 0; n < actions.length; n += 1) {
    const action = actions[n] as BulkAction;
    const k = keptOf(action.op);
    if (k.item === 'none') continue;
    const reason = refused.get(n);
    const fields: string[] = [];
    if (k._index) fields.push(`"_index":${quote(action.index || pathIndex || 'cordon')}`);
    if (k._id)
      fields.push(`"_id":${action.id === undefined ? `"cordon-${n}"` : JSON.stringify(action.id)}`);
    if (k.status) fields.push(`"status":${reason === undefined ? 201 : 400}`);
    if (reason === undefined) {
      if (k.result) fields.push(`"result":${action.op === 'delete' ? '"not_found"' : '"created"'}`);
    } else if (k.error !== 'none') {
      const error = { type: 'mapper_parsing_exception', reason };
      const json =
        k.error === 'all' || filter === undefined
          ? JSON.stringify(error)
          : JSON.stringify(filterValue(error, filter, ['items', action.op, 'error']));
      if (json !== undefined) fields.push(`"error":${json}`);
    }
    if (fields.length > 0) parts.push(`{${quote(action.op)}:{${fields.join(',')}}}`);
  }
  const top: string[] = [];
  if (keepsLeaf(filter, 'took')) top.push('"took":0');
  if (keepsLeaf(filter, 'errors')) top.push(`"errors":${refused.size > 0}`);
  if (parts.length > 0) top.push(`"items":[${parts.join(',')}]`);
  return `{${top.join(',')}}`;
}

/** Which members of an operation's item a filter keeps (all of them without one). */
interface ItemFilter {
  readonly item: 'all' | 'some' | 'none';
  readonly _index: boolean;
  readonly _id: boolean;
  readonly status: boolean;
  readonly result: boolean;
  readonly error: 'all' | 'some' | 'none';
}

function itemFilter(filter: FilterPath | undefined, op: string): ItemFilter {
  const item = filter === undefined ? 'all' : filter.keep(['items', op]);
  const leaf = (name: string): boolean =>
    item === 'all' ||
    (item === 'some' && filter !== undefined && filter.keepsLeaf(['items', op, name]));
  return {
    item,
    _index: leaf('_index'),
    _id: leaf('_id'),
    status: leaf('status'),
    result: leaf('result'),
    error: item === 'some' && filter !== undefined ? filter.keep(['items', op, 'error']) : item,
  };
}

/** Whether a top-level scalar (`took`, `errors`) is written. */
function keepsLeaf(filter: FilterPath | undefined, name: string): boolean {
  return filter === undefined || filter.keepsLeaf([name]);
}

/**
 * Elasticsearch `_bulk` (Filebeat, Fluent Bit, Logstash): per-item results, `errors: true` when
 * any item was refused, so shippers drop (or dead-letter) exactly the bad ones and retry nothing.
 */
export const elasticBulk: DropInProtocol = {
  name: 'elastic-bulk',
  sourceType: 'elastic-bulk',
  routes: [
    { paths: ['/_bulk', '/:index/_bulk'], endpoint: 'bulk', mediaType: 'application/x-ndjson' },
  ],
  probes: [
    {
      operation: 'elasticsearchInfo',
      path: '/',
      method: 'GET',
      answer: () => ({
        status: 200,
        headers: { 'x-elastic-product': 'Elasticsearch' },
        body: {
          name: 'cordon',
          cluster_name: 'cordon',
          cluster_uuid: 'cordon',
          version: {
            number: ES_VERSION,
            build_flavor: 'default',
            lucene_version: '9.8.0',
            minimum_wire_compatibility_version: '7.17.0',
            minimum_index_compatibility_version: '7.0.0',
          },
          tagline: 'You Know, for Search',
        },
      }),
    },
  ],
  setup: ELASTIC_SETUP_ROUTES,
  accepted(outcome, context) {
    const refused = new Map(
      outcome.rejected.map((r) => [
        r.index,
        r.errors.map((e) => `${e.path}: ${e.reason}`).join('; '),
      ]),
    );
    return {
      status: 200,
      body: answerJson(context, refused, parseFilterPath(context.query.filter_path)),
    };
  },
  refused(status, error, context) {
    const actions = bulkActions(context.body);
    // No action could be read (a body that did not decompress): nothing to carry the reason
    // but a request-level error, as Elasticsearch answers a body it cannot parse.
    if (status === 400 && actions.length > 0) {
      // The whole body was refused: every item carries the reason, as Elasticsearch would.
      const all = new Map(actions.map((_, n) => [n, error.message]));
      const answer = { took: 0, errors: true, items: items(context, all, 400) };
      const filter = parseFilterPath(context.query.filter_path);
      return filter === undefined ? answer : (filterValue(answer, filter) ?? {});
    }
    return { error: { type: 'cordon_exception', reason: error.message }, status };
  },
};
