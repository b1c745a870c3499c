import type { Route } from '../engine/engine.js';
import type { RuleStats } from '../engine/rule-stats.js';

/**
 * Events already routed (the stateless half of correlation), as columns: what a thread that
 * parses and routes hands the thread that applies, in order. Columns of numbers are typed
 * arrays, so posting a batch between threads copies strings only and moves the rest.
 */
export interface RoutedBatch {
  readonly count: number;
  /**
   * Per event: its log entry id `<ms>-<n>` as its two numbers (0-0 when not read from the log,
   * as in a replay); see `seqAt`. Numbers, not strings: strings are what posting copies.
   */
  readonly seqMs: Float64Array;
  readonly seqN: Float64Array;
  /** Per event: index into `streamTable` (the source, or a chained rule's derived stream). */
  readonly streamIndex: Uint16Array;
  readonly streamTable: string[];
  /** Per event: event time and receipt time, epoch ms. */
  readonly times: Float64Array;
  readonly received: Float64Array;
  /**
   * Every event's `source/id`, joined, and where each ends in it: one string to copy when
   * posting a batch, not one per event, and nothing per event for the receiver to keep.
   */
  readonly refText: string;
  readonly refEnds: Uint32Array;
  /**
   * Per event: `refHash(ref)`, when the builder was asked for them (a replay's dedupe hashes
   * on the routing threads, not on the one that applies); empty otherwise.
   */
  readonly refHashes: Uint32Array;
  /** Routes as columns, grouped by event (ascending `routeEvent`). */
  readonly routeEvent: Uint32Array;
  readonly routeSlot: Uint16Array;
  readonly routeInput: Uint16Array;
  readonly routePartition: Uint16Array;
  /** Index into `strings` of each route's group key. */
  readonly routeKey: Uint32Array;
  /**
   * Each route's group-by values (indices into `strings`), in order; `routeValueCount` says
   * how many each has, or SAME_AS_KEY for the common case of one value that is the key itself.
   */
  readonly routeValues: Uint32Array;
  readonly routeValueCount: Uint16Array;
  /** Each route's value: none, a number (in `routeValueData`), or text (its index there). */
  readonly routeValueKind: Uint8Array;
  readonly routeValueData: Float64Array;
  /**
   * Every distinct string the routes use, once: an event's key is usually read by several
   * rules, and each string posted is a copy.
   */
  readonly strings: string[];
  /** Figures counted while routing (detections' events, missing group fields), per rule. */
  readonly stats: [string, RuleStats][];
}

/** `routeValueCount` of a route whose only group-by value is its key. */
const SAME_AS_KEY = 0xffff;
/** `routeValueKind`: the route carries a number, or text. */
const VALUE_NUMBER = 1;
const VALUE_TEXT = 2;

/** The log entry id of event `i`. */
export function seqAt(b: RoutedBatch, i: number): string {
  return `${b.seqMs[i] ?? 0}-${b.seqN[i] ?? 0}`;
}

/** One event of a batch, as the engine's `apply` takes it. */
export interface RoutedEvent {
  /** Its position in the batch (see `seqAt`). */
  readonly index: number;
  readonly stream: string;
  readonly time: number;
  readonly received: number;
  readonly ref: string;
  readonly routes: readonly Route[];
}

/** Collects routed events into a batch. */
export class RoutedBatchBuilder {
  readonly #seqMs: number[] = [];
  readonly #seqN: number[] = [];
  readonly #streamTable: string[] = [];
  readonly #streamIds = new Map<string, number>();
  readonly #streamIndex: number[] = [];
  readonly #times: number[] = [];
  readonly #received: number[] = [];
  readonly #refs: string[] = [];
  readonly #refEnds: number[] = [];
  #refLength = 0;
  readonly #refHashes: number[] = [];
  readonly #routeEvent: number[] = [];
  readonly #routes: Route[] = [];

  constructor(private readonly hashRefs = false) {}

  get count(): number {
    return this.#times.length;
  }

  add(
    seq: string,
    stream: string,
    time: number,
    received: number,
    ref: string,
    routes: readonly Route[],
  ): void {
    let id = this.#streamIds.get(stream);
    if (id === undefined) {
      id = this.#streamTable.length;
      this.#streamTable.push(stream);
      this.#streamIds.set(stream, id);
    }
    const index = this.#times.length;
    const dash = seq.indexOf('-');
    this.#seqMs.push(dash < 0 ? 0 : Number(seq.slice(0, dash)));
    this.#seqN.push(dash < 0 ? 0 : Number(seq.slice(dash + 1)));
    this.#streamIndex.push(id);
    this.#times.push(time);
    this.#received.push(received);
    this.#refs.push(ref);
    this.#refLength += ref.length;
    this.#refEnds.push(this.#refLength);
    if (this.hashRefs) this.#refHashes.push(refHash(ref));
    for (const r of routes) {
      this.#routeEvent.push(index);
      this.#routes.push(r);
    }
  }

  build(stats: [string, RuleStats][] = []): RoutedBatch {
    // Plain loops into typed arrays: `TypedArray.from(list, fn)` and `flatMap` cost several
    // times as much, and this runs once per event and route.
    const routes = this.#routes;
    const n = routes.length;
    const strings: string[] = [];
    const ids = new Map<string, number>();
    const intern = (text: string): number => {
      let id = ids.get(text);
      if (id === undefined) {
        id = strings.length;
        strings.push(text);
        ids.set(text, id);
      }
      return id;
    };
    const routeSlot = new Uint16Array(n);
    const routeInput = new Uint16Array(n);
    const routePartition = new Uint16Array(n);
    const routeValueCount = new Uint16Array(n);
    const routeKey = new Uint32Array(n);
    const routeValueKind = new Uint8Array(n);
    const routeValueData = new Float64Array(n);
    const routeValues: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const r = routes[i] as Route;
      routeSlot[i] = r.slot;
      routeInput[i] = r.input;
      routePartition[i] = r.partition;
      routeKey[i] = intern(r.key);
      if (typeof r.value === 'number') {
        routeValueKind[i] = VALUE_NUMBER;
        routeValueData[i] = r.value;
      } else if (typeof r.value === 'string') {
        routeValueKind[i] = VALUE_TEXT;
        routeValueData[i] = intern(r.value);
      }
      if (r.values.length === 1 && r.values[0] === r.key) {
        routeValueCount[i] = SAME_AS_KEY;
      } else {
        routeValueCount[i] = r.values.length;
        for (const v of r.values) routeValues.push(intern(v));
      }
    }
    return {
      count: this.#times.length,
      seqMs: new Float64Array(this.#seqMs),
      seqN: new Float64Array(this.#seqN),
      streamIndex: new Uint16Array(this.#streamIndex),
      streamTable: this.#streamTable,
      times: new Float64Array(this.#times),
      received: new Float64Array(this.#received),
      refText: this.#refs.join(''),
      refEnds: new Uint32Array(this.#refEnds),
      refHashes: new Uint32Array(this.#refHashes),
      routeEvent: new Uint32Array(this.#routeEvent),
      routeSlot,
      routeInput,
      routePartition,
      routeKey,
      routeValues: new Uint32Array(routeValues),
      routeValueCount,
      routeValueKind,
      routeValueData,
      strings,
      stats,
    };
  }
}

/** The typed arrays of a batch, to move (not copy) when posting it to another thread. */
export function transferList(b: RoutedBatch): ArrayBuffer[] {
  return [
    b.seqMs.buffer as ArrayBuffer,
    b.seqN.buffer as ArrayBuffer,
    b.streamIndex.buffer as ArrayBuffer,
    b.times.buffer as ArrayBuffer,
    b.received.buffer as ArrayBuffer,
    b.refEnds.buffer as ArrayBuffer,
    b.refHashes.buffer as ArrayBuffer,
    b.routeEvent.buffer as ArrayBuffer,
    b.routeSlot.buffer as ArrayBuffer,
    b.routeInput.buffer as ArrayBuffer,
    b.routePartition.buffer as ArrayBuffer,
    b.routeValueCount.buffer as ArrayBuffer,
    b.routeKey.buffer as ArrayBuffer,
    b.routeValues.buffer as ArrayBuffer,
    b.routeValueKind.buffer as ArrayBuffer,
    b.routeValueData.buffer as ArrayBuffer,
  ];
}

/** FNV-1a over UTF-16 code units: spreads `source/id` refs well, and costs little. */
export function refHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A route read off a batch's columns. Its group-by values are built only when asked for (the
 * engine asks when it creates a group, which most events do not), and the object itself is
 * reused for a later event: nothing may keep it, only what it reads from it.
 */
class BatchRoute implements Route {
  slot = 0;
  input = 0;
  key = '';
  value: number | string | undefined = undefined;
  partition = 0;
  /** Where this route's values start in `routeValues`, and how many (or SAME_AS_KEY). */
  valueAt = 0;
  valueCount = 0;

  constructor(private readonly b: RoutedBatch) {}

  get values(): readonly string[] {
    if (this.valueCount === SAME_AS_KEY) return [this.key];
    const values = new Array<string>(this.valueCount);
    for (let k = 0; k < this.valueCount; k += 1)
      values[k] = this.b.strings[this.b.routeValues[this.valueAt + k] as number] as string;
    return values;
  }
}

/**
 * The events of a batch in order, one at a time through one reused object: `next()` moves to
 * the next event (false at the end). The event's fields and its `routes` (reused too) are valid
 * until the next call: apply them before moving on, and keep nothing of them.
 */
export class RoutedCursor implements RoutedEvent {
  index = -1;
  stream = '';
  time = 0;
  received = 0;
  /** The event's ref is `refText.slice(refStart, refEnd)`; `ref` makes it. */
  refText = '';
  refStart = 0;
  refEnd = 0;
  /** `refHash(ref)` when the batch carries hashes. */
  refHash: number | undefined = undefined;
  routes: readonly Route[] = [];
  readonly #pool: BatchRoute[] = [];
  /** One array per route count, reused: emptying an array (`length = 0`) costs more. */
  readonly #arrays: BatchRoute[][] = [];
  #route = 0;
  #value = 0;

  constructor(private readonly b: RoutedBatch) {}

  /** The event's `source/id` (a new string each time: read it once). */
  get ref(): string {
    return this.refText.slice(this.refStart, this.refEnd);
  }

  next(): boolean {
    const b = this.b;
    const i = (this.index += 1);
    if (i >= b.count) return false;
    this.stream = b.streamTable[b.streamIndex[i] as number] as string;
    this.time = b.times[i] as number;
    this.received = b.received[i] as number;
    this.refText = b.refText;
    this.refStart = i === 0 ? 0 : (b.refEnds[i - 1] as number);
    this.refEnd = b.refEnds[i] as number;
    this.refHash = b.refHashes.length > i ? b.refHashes[i] : undefined;
    const first = this.#route;
    let end = first;
    while (end < b.routeEvent.length && b.routeEvent[end] === i) end += 1;
    const count = end - first;
    let routes = this.#arrays[count];
    if (routes === undefined) {
      routes = new Array<BatchRoute>(count);
      this.#arrays[count] = routes;
    }
    for (let route = first; route < end; route += 1) {
      const n = route - first;
      let r = this.#pool[n];
      if (r === undefined) {
        r = new BatchRoute(b);
        this.#pool.push(r);
      }
      const values = b.routeValueCount[route] as number;
      const kind = b.routeValueKind[route];
      const data = b.routeValueData[route] as number;
      r.slot = b.routeSlot[route] as number;
      r.input = b.routeInput[route] as number;
      r.key = b.strings[b.routeKey[route] as number] as string;
      r.value = kind === VALUE_NUMBER ? data : kind === VALUE_TEXT ? b.strings[data] : undefined;
      r.partition = b.routePartition[route] as number;
      r.valueAt = this.#value;
      r.valueCount = values;
      if (values !== SAME_AS_KEY) this.#value += values;
      routes[n] = r;
    }
    this.#route = end;
    this.routes = routes;
    return true;
  }
}
