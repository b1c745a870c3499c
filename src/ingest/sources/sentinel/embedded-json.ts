import type { Location } from '../../normalizers/findings.js';
import { DEFAULT_MAX_DEPTH, findTooDeep } from '../../normalizers/json-depth.js';
import { truncate } from '../../normalizers/json-values.js';

/**
 * SecurityAlert's `Entities` and `ExtendedProperties` are JSON inside strings, and exports
 * sometimes encode them twice (a string of a string). Decodes up to three layers; a layer that
 * does not parse is reported (most often cut off by a column size limit). undefined =
 * reported.
 */
export function decodeEmbeddedJson(value: unknown, at: Location, what: string): unknown {
  let current = value;
  for (let layer = 0; layer < 3 && typeof current === 'string'; layer += 1) {
    const text = current.trim();
    if (layer > 0 && !/^[[{"]/.test(text)) break;
    // The body's depth limit does not see inside strings; the same limit applies here.
    if (findTooDeep(text, DEFAULT_MAX_DEPTH) !== undefined) {
      at.error(
        `nests objects and arrays more than ${DEFAULT_MAX_DEPTH} levels deep inside the string; send ${what} flat.`,
      );
      return undefined;
    }
    try {
      current = JSON.parse(text) as unknown;
    } catch (error) {
      const cut = /end of JSON input|Unterminated string/.test(String(error))
        ? ' It looks cut off: export the column whole (Log Analytics truncates long dynamic columns in some exports).'
        : '';
      at.error(
        `must be ${what} as JSON text; it does not parse (${error instanceof Error ? error.message : String(error)}): ${JSON.stringify(truncate(text, 60))}.${cut}`,
      );
      return undefined;
    }
    if (layer === 1)
      at.warn(`was JSON-encoded twice (a string holding a JSON string); decoded both layers.`);
  }
  return current;
}
