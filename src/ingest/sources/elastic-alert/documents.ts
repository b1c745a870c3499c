import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/** One alert document found in a body: its fields, the hit around it, and where it sits. */
export interface FoundDocument {
  /** The alert's fields (`_source`, or `fields` with single-value lists unwrapped). */
  readonly doc: JsonObject;
  /** Where `doc` is, for error paths. */
  readonly docAt: Location;
  /** The batch item (a search hit or an array element): its location and raw value. */
  readonly itemAt: Location;
  readonly raw: unknown;
  readonly hitId: string | undefined;
  readonly hitIndex: string | undefined;
}

/**
 * The shapes an Elastic export takes (ingest-formats §2.2): one alert document, an array of
 * them, a search hit (`_source` or the recommended `fields`), or a whole search response
 * (`hits.hits[]`). Each document of a list is its own batch item. Returns undefined after
 * reporting when the body is none of these.
 */
export function findDocuments(body: unknown, root: Location): FoundDocument[] | undefined {
  if (Array.isArray(body)) {
    if (body.length === 0) root.error('is an empty array; send at least one alert document.');
    return body.flatMap((item, index) => {
      const found = fromItem(item, root.batchItem(index));
      return found === undefined ? [] : [found];
    });
  }
  if (!isJsonObject(body)) {
    root.error(
      `must be an Elastic alert document, an array of them or a search response; got ${got(body)}.`,
    );
    return undefined;
  }
  const hitsValue = getOwn(body, 'hits');
  if (isJsonObject(hitsValue)) {
    const hits = getOwn(hitsValue, 'hits');
    const hitsAt = root.child('hits').child('hits');
    if (!Array.isArray(hits)) {
      hitsAt.error(`must be the array of search hits; got ${got(hits)}.`);
      return undefined;
    }
    if (hits.length === 0)
      hitsAt.error('is empty: the search matched no alerts, so there is nothing to ingest.');
    return hits.flatMap((item, index) => {
      const found = fromItem(item, hitsAt.batchItem(index));
      return found === undefined ? [] : [found];
    });
  }
  const found = fromItem(body, root);
  return found === undefined ? undefined : [found];
}

/**
 * One list element: a search hit (`_source` or `fields`) or the alert document itself. Lists
 * are not searched further, so a batch item's index is always its own.
 */
export function fromItem(item: unknown, at: Location): FoundDocument | undefined {
  if (!isJsonObject(item)) {
    at.error(`must be an alert document or a search hit (a JSON object); got ${got(item)}.`);
    return undefined;
  }
  const hitId =
    typeof getOwn(item, '_id') === 'string' ? (getOwn(item, '_id') as string) : undefined;
  const hitIndex =
    typeof getOwn(item, '_index') === 'string' ? (getOwn(item, '_index') as string) : undefined;
  const source = getOwn(item, '_source');
  if (isJsonObject(source))
    return { doc: source, docAt: at.child('_source'), itemAt: at, raw: item, hitId, hitIndex };
  const fields = getOwn(item, 'fields');
  if (isJsonObject(fields) && source === undefined)
    return {
      doc: unwrapFields(fields),
      docAt: at.child('fields'),
      itemAt: at,
      raw: item,
      hitId,
      hitIndex,
    };
  if (source !== undefined) {
    at.child('_source').error(`must be the alert document (an object); got ${got(source)}.`);
    return undefined;
  }
  return { doc: item, docAt: at, itemAt: at, raw: item, hitId, hitIndex };
}

/** The search `fields` option returns every value as a list; one-element lists are the value. */
function unwrapFields(fields: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields))
    Object.defineProperty(out, key, {
      value: Array.isArray(value) && value.length === 1 ? value[0] : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
