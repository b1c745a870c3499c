import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_MAX_DEPTH, findTooDeep } from '../ingest/normalizers/json-depth.js';
import { CordonError } from '../shared/errors.js';

/**
 * How deeply an API body (not an ingest body: those have CORDON_INGEST_MAX_DEPTH) may nest
 * objects and arrays: as deep as ingest allows by default. The code after parsing recurses
 * (JSON.stringify when a run start is queued overflowed the stack at a few thousand levels),
 * and no API body needs more than a few levels.
 */
export const API_MAX_DEPTH = DEFAULT_MAX_DEPTH;

/**
 * Fastify's JSON parser (prototype poisoning refused as by default), then the nesting check
 * of ingest (json-depth.ts): a body past API_MAX_DEPTH is a 400 naming where it goes too deep.
 * Ingest and drop-in routes replace every parser with their own in their plugins.
 */
export function registerApiJsonParser(app: FastifyInstance): void {
  // The callback form of Fastify's parser (it answers synchronously).
  const parse = app.getDefaultJsonParser('error', 'error') as (
    request: FastifyRequest,
    body: string,
    done: (err: Error | null, value?: unknown) => void,
  ) => void;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    parse(request, text, (err, value) => {
      if (err) {
        done(err, undefined);
        return;
      }
      const offset = findTooDeep(text, API_MAX_DEPTH);
      if (offset === undefined) {
        done(null, value);
        return;
      }
      const { line, column } = lineAndColumn(text, offset);
      const path = `body${pointerOf(tooDeepPath(value, API_MAX_DEPTH) ?? [])}`;
      const reason = `nests objects and arrays more than ${API_MAX_DEPTH} levels deep (at line ${line}, column ${column}); flatten it (deep data can travel as a JSON string)`;
      done(
        new CordonError('CORDON_ERR_API_INVALID_REQUEST', `Invalid request: ${path}: ${reason}.`, {
          details: { errors: [{ path, reason }], maxDepth: API_MAX_DEPTH },
        }),
        undefined,
      );
    });
  });
}

/**
 * The path to the first object or array (depth first, in key order) at level `maxDepth + 1`,
 * the body itself being level 1. A loop with its own stack: the value may be very deep.
 */
export function tooDeepPath(value: unknown, maxDepth: number): string[] | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop() as { value: unknown; path: string[] };
    if (node === null || typeof node !== 'object') continue;
    if (path.length >= maxDepth) return path;
    const entries = Array.isArray(node)
      ? node.map((v, i) => [String(i), v] as const)
      : Object.entries(node as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, child] = entries[i] as readonly [string, unknown];
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return undefined;
}

/** A JSON Pointer, its first segments only when it is long (`/inputs/note/0/0/…`). */
function pointerOf(path: readonly string[]): string {
  const shown = path.slice(0, 4).map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  return `${shown.join('')}${path.length > 4 ? '/…' : ''}`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
