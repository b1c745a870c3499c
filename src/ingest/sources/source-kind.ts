import type { NormalisedEvent } from '../canonical-event.js';
import type { NormaliseContext, NormaliseResult } from '../normalizers/types.js';

/** What `enrich` may use: the connector's options, time, and injected I/O. */
export interface EnrichContext<Options = unknown> {
  readonly options: Options;
  readonly now: number;
  readonly source: string;
  readonly fetch: typeof fetch;
  /** Where `{ env }` / `{ file }` secret references are read (on every call: rotation). */
  readonly secrets: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readFile(path: string): string;
  };
}

/** One event's enrichment, as the kind recorded it (see `SourceKind.enrichmentOf`). */
export interface EnrichmentOutcome {
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reason?: string | undefined;
}

/**
 * A source kind: one sender's wire format (Grafana webhooks, Okta event hooks, CEF lines …),
 * implemented as one module under `src/ingest/sources/<type>/` and found through the registry
 * (`registry.ts`). A connector file names it as its `type`. Adding a sender touches that folder,
 * its samples and its tests, and one line of its category's list in `kinds/`.
 */
export interface SourceKind<Options = unknown> {
  /** Connector `type` (`grafana`, `okta`, `cef`): lower-case, digits and `-`. */
  readonly type: string;
  /** What sends it, for docs and `cordon parse --list` (`Grafana unified alerting webhook`). */
  readonly title: string;
  readonly category: SourceCategory;
  /**
   * Media types accepted on the HTTP route (lower-case, no parameters); other types get 415.
   * `*` accepts any (line formats and senders that mislabel their bodies).
   */
  readonly contentTypes: readonly string[];
  /** How this sender can authenticate (documentation and connector validation). */
  readonly auth: readonly SenderAuthScheme[];
  /**
   * What of one forwarded record this kind reads when a Splunk HEC envelope's `sourcetype`
   * selects it: `line` (a string `event`: CEF, syslog), `record` (an object `event`: one
   * CloudTrail record). Absent: it cannot be selected (it needs its own envelope or headers).
   */
  readonly hecEvent?: 'line' | 'record';
  /** `options:` of the connector file, when the kind takes any. */
  readonly options?: OptionsSpec<Options>;
  /**
   * Pure but for `ctx.memory`: no clock (time is `ctx.now`), no network, never throws for bad
   * input. Items of a batch are refused one by one (`Location.batchItem` + `Findings.batch`).
   */
  normalise(
    request: SourceRequest,
    ctx: SourceContext<Options>,
  ): NormaliseResult | Promise<NormaliseResult>;
  /**
   * I/O kept apart from the pure `normalise`: fills in what a sender's delivery lacks from the
   * sender's own API (WhyLabs analyzer results). Runs after `normalise` on its events, which it
   * may add to (labels, measures, entity). Must never lose an event: a failure is recorded on
   * the events (a label) and the events are accepted; a throw is caught and recorded alike.
   */
  enrich?(events: readonly NormalisedEvent[], ctx: EnrichContext<Options>): Promise<void>;
  /**
   * What `enrich` made of one event, read back from what it recorded there: enriched, or why
   * not (no key, the API unreachable …); undefined when it did not run (not configured).
   * `cordon parse` reports it, so an offline check says what needed the network.
   */
  enrichmentOf?(event: NormalisedEvent): EnrichmentOutcome | undefined;
  /**
   * A request the sender makes that is not an event delivery (Okta's one-time GET
   * verification): answered here, before and instead of normalising. Undefined = not one.
   */
  handshake?(request: HandshakeRequest, options: Options): HandshakeReply | undefined;
  /**
   * Present when big bodies of this kind may be read on an ingest worker thread
   * (CORDON_INGEST_WORKERS): `normalise` must then use no `ctx.memory` and the kind no `enrich`
   * (nothing per source outlives a request), and the compiled options must be plain data
   * that survives structured cloning. Absent: always read on the main thread.
   */
  readonly offload?: OffloadSpec<Options>;
}

/** How a kind's reading moves to a worker thread (see `SourceKind.offload`). */
export interface OffloadSpec<Options = unknown> {
  /** Whether a source with these options may be offloaded (default: yes). */
  eligible?(options: Options): boolean;
  /**
   * What the kind remembered about a body while reading it (plain data), taken in the worker
   * after `normalise` and handed to `restore` on the main thread with the same body, so the
   * answer is built as if the body had been read there (`_bulk`: its actions).
   */
  carry?(body: Buffer): unknown;
  restore?(body: Buffer, carried: unknown): void;
}

export type SourceCategory =
  'canonical' | 'siem' | 'monitor' | 'inference' | 'llm' | 'identity' | 'line' | 'mapped';

/** See `src/ingest/auth/`: each is verified before a body reaches a normaliser. */
export type SenderAuthScheme = 'bearer' | 'basic' | 'hmac' | 'splunk' | 'header' | 'none';

export interface SourceRequest {
  readonly body: Buffer;
  /** Lower-cased media type without parameters (`application/json`); `''` when absent. */
  readonly contentType: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * Which endpoint of a sender's protocol the body came to, for kinds with several (Splunk
   * HEC: `event` or `raw`); absent on the plain /v1/ingest/{source} route.
   */
  readonly endpoint?: string;
  /** Query parameters of the request (HEC raw takes `sourcetype`, `host`, `source`). */
  readonly query?: Readonly<Record<string, string | undefined>>;
}

export interface HandshakeRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
}

export interface HandshakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface SourceContext<Options = unknown> extends NormaliseContext {
  /** The connector's compiled `options:` (the kind's defaults when the file has none). */
  readonly options: Options;
  /** Small bounded state shared across requests of this source (joins, counter deltas). */
  readonly memory: SourceMemory;
}

/**
 * Bounded key/value memory per source instance, for kinds that join two deliveries (KServe
 * request + response by `ce-id`) or turn cumulative counters into deltas (Triton scrapes).
 * Entries lapse after `ttlMs`; losing one only loses the join or one delta, never an event.
 */
export interface SourceMemory {
  /** Stores `value` under `key` and returns what was there before. */
  swap(key: string, value: string, ttlMs: number): Promise<string | undefined>;
  /** Removes `key` and returns what was there. */
  take(key: string): Promise<string | undefined>;
}

/**
 * Validates a connector's `options:` mapping. Report every problem with `report(path, reason)`
 * (path relative to `options`, reason naming the bad value and the fix); return undefined if
 * any. `compile(undefined)` must give the defaults.
 */
export interface OptionsSpec<Options> {
  readonly keys: readonly string[];
  compile(value: unknown, report: OptionsReporter): Options | undefined;
}

export type OptionsReporter = (path: readonly (string | number)[], reason: string) => void;

/** A kind whose options type is erased, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySourceKind = SourceKind<any>;
