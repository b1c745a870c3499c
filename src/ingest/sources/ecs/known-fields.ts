import { isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import {
  ENTITY_SOURCES,
  GEO_SOURCES_BY_SIDE,
  IP_SOURCES,
  LABEL_SOURCES,
  MEASURE_SOURCES,
} from './ecs-tables.js';

/**
 * The field names the ECS reader asks every document for, each with a slot number. Reading a
 * document asks for some hundred names and finds a few dozen; one walk of the document that
 * drops each wanted value into its slot replaces a hundred lookups of a dotted name, each
 * splitting it and walking the document again. Names not listed here are still read, by
 * walking their path (NestedDocument), so the list only decides what is fast.
 */
const READER_FIELDS = [
  '@timestamp',
  'event.created',
  'event.id',
  'event.kind',
  'event.category',
  'event.action',
  'event.dataset',
  'event.outcome',
  'event.duration',
  'log.level',
  'labels.cordon_kind',
  'gen_ai.operation.name',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'source.ip',
];

interface TrieNode {
  /** Slot of the field ending here, or -1 when no wanted field ends here. */
  id: number;
  readonly children: Map<string, TrieNode>;
}

const ROOT: TrieNode = { id: -1, children: new Map() };
const IDS = new Map<string, number>();

function register(name: string): void {
  if (IDS.has(name)) return;
  let node = ROOT;
  for (const key of name.split('.')) {
    let child = node.children.get(key);
    if (child === undefined) {
      child = { id: -1, children: new Map() };
      node.children.set(key, child);
    }
    node = child;
  }
  node.id = IDS.size;
  IDS.set(name, node.id);
}

for (const name of READER_FIELDS) register(name);

/** A wanted field: its dotted name and its slot. */
export interface KnownField {
  readonly name: string;
  readonly slot: number;
}

function known(name: string): KnownField {
  register(name);
  return { name, slot: IDS.get(name) as number };
}

/** The tables of ecs-tables.ts with their slots looked up once, for the loops of the reader. */
export const ENTITY_FIELDS = ENTITY_SOURCES.map(
  ([field, names]) => [field, names.map(known)] as const,
);
export const IP_FIELDS = IP_SOURCES.map(known);
export const GEO_FIELDS_BY_SIDE = {
  source: GEO_SOURCES_BY_SIDE.source.map(([field, names]) => [field, names.map(known)] as const),
  client: GEO_SOURCES_BY_SIDE.client.map(([field, names]) => [field, names.map(known)] as const),
};
export const MEASURE_FIELDS = MEASURE_SOURCES.map(
  ([measure, names]) => [measure, names.map(known)] as const,
);
export const LABEL_FIELDS = LABEL_SOURCES.map(([name, label]) => [known(name), label] as const);

/** Every wanted field (tests compare their slots with a walk of the document). */
export function knownFields(): KnownField[] {
  return [...IDS].map(([name, slot]) => ({ name, slot }));
}

/** The slot of a wanted field, or undefined for any other name. */
export function knownFieldSlot(name: string): number | undefined {
  return IDS.get(name);
}

/*
 * One document is read at a time, start to end, so the slots are one shared pair of arrays
 * rather than a fresh array of ~120 values per document: VALUES[slot] belongs to the document
 * whose generation STAMPS[slot] holds. A reader that outlives its document's turn (the next
 * document was walked meanwhile) sees that its generation is no longer the current one and
 * walks the document instead, so a stale value is never returned.
 */
const VALUES: unknown[] = new Array<unknown>(IDS.size).fill(undefined);
const STAMPS = new Float64Array(IDS.size);
let generation = 0;

/**
 * Walks a document once: checks that no key at any depth is dotted (`"user.name"`) or empty,
 * and drops the value of each wanted field (what NestedDocument's path walk would find: a
 * value that is not an object, arrays and null included) into its slot. Returns the
 * generation to read them back with, or undefined when a key is dotted or empty (such a
 * document must be folded and checked by flattenEcs; the slots it half filled belong to no
 * reader).
 */
export function walkKnownFields(doc: JsonObject): number | undefined {
  generation += 1;
  return fill(doc, ROOT, generation) ? generation : undefined;
}

/** Whether the slots still hold the document walked as `gen`. */
export function isCurrent(gen: number): boolean {
  return gen === generation;
}

/** A wanted field's value in the current document; undefined when it has none. */
export function knownValue(gen: number, slot: number): unknown {
  return STAMPS[slot] === gen ? VALUES[slot] : undefined;
}

/** False as soon as a dotted or empty key turns up. `node` is undefined off the wanted paths. */
function fill(object: JsonObject, node: TrieNode | undefined, gen: number): boolean {
  for (const key of Object.keys(object)) {
    if (key === '' || key.includes('.')) return false;
    const child = node?.children.get(key);
    const value = object[key];
    if (isJsonObject(value)) {
      if (!fill(value, child !== undefined && child.children.size > 0 ? child : undefined, gen))
        return false;
    } else if (child !== undefined && child.id >= 0) {
      VALUES[child.id] = value;
      STAMPS[child.id] = gen;
    }
  }
  return true;
}
