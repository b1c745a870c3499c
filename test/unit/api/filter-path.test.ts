/**
 * `filter_path` as Elasticsearch documents it (REST API common options, "Response
 * filtering"): each case below is one of its examples, answer for answer.
 */
import { describe, expect, it } from 'vitest';
import { filterValue, parseFilterPath } from '../../../src/api/drop-in/filter-path.js';

function filtered(value: unknown, filterPath: string): unknown {
  const filter = parseFilterPath(filterPath);
  if (filter === undefined) throw new Error(`no filter in ${filterPath}`);
  return filterValue(value, filter) ?? {};
}

const search = {
  took: 3,
  timed_out: false,
  _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
  hits: {
    total: { value: 1, relation: 'eq' },
    max_score: 1.6,
    hits: [{ _index: 'my-index', _id: '0', _score: 1.6, _source: { user: 'kimchy' } }],
  },
};

const state = {
  cluster_name: 'c',
  metadata: {
    indices: {
      'my-index-000001': { state: 'open', settings: { shards: 1 }, stats: 7 },
      'logstash-2026': { state: 'open', settings: { shards: 1 } },
    },
  },
  routing_table: {
    indices: {
      'my-index-000001': {
        shards: { '0': [{ state: 'STARTED', primary: true, node: 'n1' }] },
      },
    },
  },
};

describe('filter_path', () => {
  it('keeps the named paths through arrays: took,hits.hits._id,hits.hits._score', () => {
    expect(filtered(search, 'took,hits.hits._id,hits.hits._score')).toEqual({
      took: 3,
      hits: { hits: [{ _id: '0', _score: 1.6 }] },
    });
  });

  it('matches part of a name with *: metadata.indices.*.stat*', () => {
    expect(filtered(state, 'metadata.indices.*.stat*')).toEqual({
      metadata: {
        indices: {
          'my-index-000001': { state: 'open', stats: 7 },
          'logstash-2026': { state: 'open' },
        },
      },
    });
  });

  it('matches any depth with **: routing_table.indices.**.state', () => {
    expect(filtered(state, 'routing_table.indices.**.state')).toEqual({
      routing_table: {
        indices: { 'my-index-000001': { shards: { '0': [{ state: 'STARTED' }] } } },
      },
    });
  });

  it('leaves out what a - path names: -_shards', () => {
    const { _shards: _left, ...rest } = search;
    expect(filtered(search, '-_shards')).toEqual(rest);
  });

  it('applies excludes after includes: metadata.indices.*.state,-metadata.indices.logstash-*', () => {
    expect(filtered(state, 'metadata.indices.*.state,-metadata.indices.logstash-*')).toEqual({
      metadata: { indices: { 'my-index-000001': { state: 'open' } } },
    });
  });

  it('keeps a whole object its path names, and drops objects left empty', () => {
    expect(filtered(search, 'hits.total')).toEqual({
      hits: { total: { value: 1, relation: 'eq' } },
    });
    expect(filtered(search, 'hits.hits.nothing,took.x')).toEqual({});
  });

  it('decides a path with many ** at once (each split of the path between them is tried once)', () => {
    // Without that, 200 of them against a three-name path would take longer than any timeout.
    const many = `${Array.from({ length: 200 }, () => '**.a').join('.')}.status`;
    const filter = parseFilterPath(many);
    // A short path may still lead to a match below it; 200 a's then status is one.
    expect(filter?.keep(['items', 'create', 'status'])).toBe('some');
    expect(filter?.keep([...Array.from({ length: 200 }, () => 'a'), 'status'])).toBe('all');
    expect(filter?.keep([...Array.from({ length: 199 }, () => 'a'), 'status'])).toBe('some');
    expect(parseFilterPath('**.a.**.status')?.keep(['x', 'a', 'y', 'status'])).toBe('all');
  });

  it('keeps a scalar that an exclude reaches below, as Elasticsearch keeps scalars', () => {
    expect(filtered(search, '-**.error')).toEqual(search);
    expect(filtered(search, '-took.x,-hits.total.value.y')).toEqual(search);
    expect(filtered(search, 'took.x')).toEqual({});
  });

  it('decides each distinct path once, however many items ask', () => {
    const many = Array.from({ length: 3000 }, (_, i) => `-**.*.*.z${i}`).join(',');
    const filter = parseFilterPath(many);
    if (filter === undefined) throw new Error('no filter');
    const items = Array.from({ length: 2000 }, (_, i) => ({
      index: { status: 400, error: { type: 't', reason: `r${i}` } },
    }));
    // Every item kept whole: no exclude names anything in them.
    expect(filterValue({ errors: true, items }, filter)).toEqual({ errors: true, items });
  });

  it('is no filter when the value names no path', () => {
    expect(parseFilterPath(undefined)).toBeUndefined();
    expect(parseFilterPath(' , -')).toBeUndefined();
  });
});
