/**
 * The `_bulk` answer lists the actions the `elastic-bulk` reader parsed instead of parsing the
 * body's action lines again. Whatever the body, the items it answers with must be the ones a
 * fresh read of the action lines gives: same operation, index and id, in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bulkActions,
  elasticBulk,
  parseActionLines,
} from '../../../src/api/drop-in/elastic-bulk.js';
import { filterValue, parseFilterPath } from '../../../src/api/drop-in/filter-path.js';
import {
  bulkActionsRead,
  elasticBulkKind,
} from '../../../src/ingest/sources/elastic-bulk/index.js';
import { runKind } from '../../helpers/source-kind.js';

const action = fc.record({
  op: fc.constantFrom('index', 'create', 'delete'),
  index: fc.option(fc.constantFrom('logs', 'filebeat-8', 'a"b'), { nil: undefined }),
  id: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
  doc: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
});

type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

const answerCase = fc
  .record({
    actions: fc.array(action, { minLength: 1, maxLength: 20 }),
    refusals: fc.array(fc.tuple(fc.nat(19), fc.string({ maxLength: 8 }))),
    pathIndex: fc.option(fc.constantFrom('from-path', 'p"\\ü'), { nil: undefined }),
  })
  .map(({ actions, refusals, pathIndex }) => ({
    actions,
    reasons: new Map(refusals.filter(([i]) => i < actions.length)),
    pathIndex,
  }));

/** The answer to `body` when the items at `reasons`' indexes were refused for those reasons. */
function answerOf(
  body: Buffer,
  actions: readonly Action[],
  reasons: ReadonlyMap<number, string>,
  pathIndex: string | undefined,
  query: Record<string, string>,
) {
  const outcome = {
    source: 'bulk',
    accepted: actions.length - reasons.size,
    duplicates: 0,
    events: [],
    warnings: [],
    rejected: [...reasons].map(([index, reason]) => ({
      index,
      errors: [{ path: `/${index}`, reason }],
    })),
  };
  const params = pathIndex === undefined ? {} : { index: pathIndex };
  return elasticBulk.accepted(outcome, { body, params, endpoint: 'bulk', headers: {}, query });
}

/** The whole answer as an object, as Elasticsearch would make it. */
function expectedAnswer(
  actions: readonly Action[],
  reasons: ReadonlyMap<number, string>,
  pathIndex: string | undefined,
) {
  return {
    took: 0,
    errors: reasons.size > 0,
    items: actions.map((a, n) => {
      const reason = reasons.get(n);
      return {
        [a.op]: {
          _index: a.index || pathIndex || 'cordon',
          _id: a.id ?? `cordon-${n}`,
          ...(reason === undefined
            ? { status: 201, result: a.op === 'delete' ? 'not_found' : 'created' }
            : {
                status: 400,
                error: { type: 'mapper_parsing_exception', reason: `/${n}: ${reason}` },
              }),
        },
      };
    }),
  };
}

function bodyOf(actions: readonly Action[], crlf: boolean): Buffer {
  const eol = crlf ? '\r\n' : '\n';
  let text = '';
  for (const a of actions) {
    const meta: Record<string, string> = {};
    if (a.index !== undefined) meta._index = a.index;
    if (a.id !== undefined) meta._id = a.id;
    text += JSON.stringify({ [a.op]: meta }) + eol;
    if (a.op !== 'delete') text += JSON.stringify(a.doc) + eol;
  }
  return Buffer.from(text);
}

describe('_bulk answer', () => {
  it('reuses the reader’s actions, which match a fresh read of the action lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (actions, crlf) => {
          const body = bodyOf(actions, crlf);
          const fresh = parseActionLines(body);
          await runKind(elasticBulkKind, body);
          expect(bulkActionsRead(body)).toBeDefined();
          const answered = bulkActions(body);
          expect(answered).toEqual(fresh);
          expect(answered.map((a) => a.op)).toEqual(actions.map((a) => a.op));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes the answer JSON exactly as JSON.stringify writes the answer object', async () => {
    await fc.assert(
      fc.asyncProperty(answerCase, async ({ actions, reasons, pathIndex }) => {
        const body = bodyOf(actions, false);
        await runKind(elasticBulkKind, body);
        const answer = answerOf(body, actions, reasons, pathIndex, {});
        expect(answer.status).toBe(200);
        expect(answer.body).toBe(JSON.stringify(expectedAnswer(actions, reasons, pathIndex)));
      }),
      { numRuns: 200 },
    );
  });

  it('writes what the filter_path leaves of that object, as Elasticsearch answers', async () => {
    const name = fc.constantFrom(
      'took',
      'errors',
      'items',
      'index',
      'create',
      'delete',
      'status',
      'error',
      'reason',
      'type',
      '_id',
      '_index',
      'result',
      '*',
      '**',
      'err*',
      '*s',
      'x',
    );
    const path = fc
      .tuple(fc.boolean(), fc.array(name, { minLength: 1, maxLength: 4 }))
      .map(([exclude, names]) => `${exclude ? '-' : ''}${names.join('.')}`);
    await fc.assert(
      fc.asyncProperty(
        answerCase,
        fc.oneof(
          fc.array(path, { minLength: 1, maxLength: 3 }).map((p) => p.join(',')),
          fc.constant('errors,items.*.error,items.*.status'),
        ),
        async ({ actions, reasons, pathIndex }, filterPath) => {
          const body = bodyOf(actions, false);
          await runKind(elasticBulkKind, body);
          const answer = answerOf(body, actions, reasons, pathIndex, { filter_path: filterPath });
          const filter = parseFilterPath(filterPath);
          const whole = expectedAnswer(actions, reasons, pathIndex);
          const expected = filter === undefined ? whole : (filterValue(whole, filter) ?? {});
          expect(answer.body).toBe(JSON.stringify(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers Filebeat’s filter_path with only the errors flag and each item’s status', async () => {
    const body = Buffer.from(
      '{"create":{"_index":"filebeat-8"}}\n{"a":1}\n{"create":{"_index":"filebeat-8"}}\n{"b":2}\n',
    );
    await runKind(elasticBulkKind, body);
    const filter_path = 'errors,items.*.error,items.*.status';
    const ok = answerOf(body, [], new Map(), undefined, { filter_path });
    expect(JSON.parse(ok.body as string)).toEqual({
      errors: false,
      items: [{ create: { status: 201 } }, { create: { status: 201 } }],
    });
    const one = answerOf(body, [], new Map([[1, 'bad time']]), undefined, { filter_path });
    expect(JSON.parse(one.body as string)).toEqual({
      errors: true,
      items: [
        { create: { status: 201 } },
        {
          create: {
            status: 400,
            error: { type: 'mapper_parsing_exception', reason: '/1: bad time' },
          },
        },
      ],
    });
  });

  it('reads the action lines itself when the reader did not split the body', () => {
    const body = Buffer.from('{"index":{"_index":"x","_id":"1"}}\n{"a":1}\nnot json\n');
    expect(bulkActions(body)).toEqual([
      { op: 'index', index: 'x', id: '1' },
      { op: 'index', index: '' },
    ]);
  });
});
