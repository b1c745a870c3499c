import type { IngestOutcome } from '../../ingest/ingest-service.js';
import type { ErrorBody } from '../error-handler.js';

/**
 * A sender protocol Cordon speaks natively so shippers work unchanged (Splunk HEC,
 * Elasticsearch `_bulk`, OTLP/HTTP logs): its URLs, the source type that normalises its
 * bodies, and how it answers. One module per protocol, listed in `index.ts`.
 */
export interface DropInProtocol {
  readonly name: string;
  /** Connector type of the sources this protocol delivers to. */
  readonly sourceType: string;
  readonly routes: readonly DropInRoute[];
  /** Public GET routes the sender probes before sending (HEC health, Elasticsearch's `GET /`). */
  readonly probes?: readonly DropInProbe[];
  /**
   * POST routes the sender polls to learn that earlier deliveries are durable (HEC indexer
   * acknowledgement), authenticated as the protocol's ingest routes are.
   */
  readonly acknowledgements?: readonly DropInAcknowledgement[];
  /**
   * Routes the sender calls once connected to set up what it writes to (an Elasticsearch
   * shipper's templates and policies), authenticated as the ingest routes are.
   */
  readonly setup?: readonly DropInSetupRoute[];
  /** The protocol's success answer for an ingest outcome; a string body is JSON text already. */
  accepted(outcome: IngestOutcome, context: DropInContext): { status: number; body: unknown };
  /** The protocol's error answer for Cordon's error (status already chosen by Cordon). */
  refused(status: number, error: ErrorBody, context: DropInContext): unknown;
}

export interface DropInRoute {
  /** Paths at the root (`/services/collector/event`); each also under `/v1/ingest/{source}`. */
  readonly paths: readonly string[];
  /** Passed to the source kind as `request.endpoint`. */
  readonly endpoint: string;
  /**
   * The media type the body is read as, whatever the sender labels it (HEC senders send any
   * Content-Type); absent = the request's own.
   */
  readonly mediaType?: string;
}

export interface DropInAcknowledgement {
  /** Paths at the root (`/services/collector/ack`); each also under `/v1/ingest/{source}`. */
  readonly paths: readonly string[];
  /** Names the route in operationIds as an ingest route's endpoint does (`ack`: splunkHecAck). */
  readonly name: string;
  readonly summary: string;
  /** JSON schema of the 200 answer, for the OpenAPI document. */
  readonly response: Readonly<Record<string, unknown>>;
  /** The answer, from the request alone: acknowledging never touches the event log. */
  answer(context: DropInContext): { status: number; body: unknown };
}

export interface DropInSetupRoute {
  /** GET also answers HEAD (Fastify adds it). */
  readonly method: 'GET' | 'PUT';
  /** At the root (`/_index_template/:name`); also under `/v1/ingest/{source}`. */
  readonly path: string;
  /** OpenAPI operationId (camelCase letters); the scoped route adds `Scoped`. */
  readonly operation: string;
  readonly summary: string;
  /** The answer; `name` is the path's `:name` ('' when it has none). */
  answer(name: string): { status: number; body: unknown };
}

export interface DropInProbe {
  /** OpenAPI operationId (camelCase letters). */
  readonly operation: string;
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  answer(): { status: number; headers?: Record<string, string>; body: unknown };
}

export interface DropInContext {
  readonly body: Buffer;
  /** Path parameters (`index` of `/{index}/_bulk`). */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Query parameters with a single value (`filter_path` of an Elasticsearch request). */
  readonly query: Readonly<Record<string, string | undefined>>;
}
