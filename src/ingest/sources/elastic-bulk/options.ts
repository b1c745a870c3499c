import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { closest } from '../../normalizers/unknown-key.js';
import type { OptionsSpec } from '../source-kind.js';
import { compileMapping } from '../json-map/index.js';
import type { Mapping } from '../json-map/index.js';

export interface ElasticBulkOptions {
  /** A json-map mapping for documents that are not ECS; undefined = read them as ECS. */
  readonly mapping: Mapping | undefined;
}

const KEYS = ['fields', 'jsonata'];

/** Without options documents are read as ECS; `fields:` or `jsonata:` map them like json-map. */
export const elasticBulkOptionsSpec: OptionsSpec<ElasticBulkOptions> = {
  keys: KEYS,
  compile(value, report) {
    if (value === undefined || value === null) return { mapping: undefined };
    if (!isJsonObject(value)) {
      report([], `must be a mapping with fields: or jsonata: (as in json-map); got ${got(value)}.`);
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value)) {
      if (KEYS.includes(key)) continue;
      const near = key === 'items' ? undefined : closest(key, KEYS);
      report(
        [key],
        key === 'items'
          ? 'does not apply to elastic-bulk: every document of the bulk body is one item already.'
          : `is not an option of elastic-bulk (fields, jsonata).${near !== undefined ? ` Did you mean "${near}"?` : ''}`,
      );
      ok = false;
    }
    if (getOwn(value, 'fields') === undefined && getOwn(value, 'jsonata') === undefined) {
      if (ok) return { mapping: undefined };
      return undefined;
    }
    const mapping = compileMapping(value, report);
    return ok && mapping !== undefined ? { mapping } : undefined;
  },
};
