import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind, SourceRequest } from '../source-kind.js';
import { V2_HEADER_LENGTH } from '../inference-common/v2-binary.js';
import type { CloudEvent } from './attributes.js';
import { headerAt } from './attributes.js';
import { hasBinaryAttributes, readBinaryEvent } from './binary-mode.js';
import type { LoggerDialect } from './dialect.js';
import { loggerEvent } from './logger-event.js';
import { LOGGER_OPTIONS } from './options.js';
import type { LoggerOptions } from './options.js';
import { readStructuredEvent } from './structured-mode.js';

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

/** A request-logger source kind (KServe, Seldon Core) for one dialect. */
export function loggerKind(dialect: LoggerDialect): SourceKind<LoggerOptions> {
  return {
    type: dialect.type,
    title: dialect.title,
    category: 'inference',
    // octet-stream: an Open Inference binary tensor payload (JSON header + raw tensor bytes).
    contentTypes: ['application/json', STRUCTURED, BATCH, 'application/octet-stream'],
    // The loggers send no credentials (in-cluster HTTP); a mesh or proxy may add a header.
    auth: ['none', 'header', 'bearer'],
    options: LOGGER_OPTIONS,
    normalise: (request, ctx) => normaliseDeliveries(request, ctx, dialect),
  };
}

async function normaliseDeliveries(
  request: SourceRequest,
  ctx: SourceContext<LoggerOptions>,
  dialect: LoggerDialect,
): Promise<NormaliseResult> {
  const findings = new Findings();
  const events: CloudEvent[] = readEvents(request, ctx, dialect, findings);
  // One at a time: a request and its response in one batch must meet in memory in order.
  for (const ce of events) {
    const event = await loggerEvent(ce, dialect, ctx);
    if (event !== undefined) findings.emit(event, ce.at);
  }
  return findings.batch();
}

function readEvents(
  request: SourceRequest,
  ctx: SourceContext<LoggerOptions>,
  dialect: LoggerDialect,
  findings: Findings,
): CloudEvent[] {
  const root = findings.root();
  const expected = `a ${dialect.title} delivery (JSON payload with Ce-* headers, or a structured CloudEvent)`;
  const structured = request.contentType === STRUCTURED || request.contentType === BATCH;
  if (!structured && hasBinaryAttributes(request.headers)) {
    return [readBinaryEvent(request, root, expected, ctx.maxDepth, dialect.typeFamily)];
  }
  const parsed = parseJsonBody(request.body, root, { expected, maxDepth: ctx.maxDepth });
  if (!parsed.ok) return [];
  const value = parsed.value;
  if (request.contentType === BATCH || (!structured && Array.isArray(value)))
    return readBatch(value, root, ctx.maxDepth);
  if (!structured) {
    if (!looksStructured(value)) {
      root.error(
        'carries no CloudEvents attributes: binary mode needs the headers Ce-Specversion, Ce-Id, Ce-Source and Ce-Type ' +
          `(the ${dialect.title} sends them), structured mode a body with specversion, id, source, type and data ` +
          `sent as ${STRUCTURED}. Check that a proxy does not strip the Ce-* headers.`,
      );
      return [];
    }
    root.warn(
      `is a structured-mode CloudEvent sent as ${request.contentType || 'no content type'}; it was read as ${STRUCTURED}.`,
    );
  }
  const headerLength = request.headers[V2_HEADER_LENGTH];
  const ce = readStructuredEvent(value, root, {
    maxDepth: ctx.maxDepth,
    ...(headerLength === undefined
      ? {}
      : { headerLength, headerAt: headerAt(root, V2_HEADER_LENGTH) }),
  });
  return ce === undefined ? [] : [ce];
}

function readBatch(value: unknown, root: Location, maxDepth: number | undefined): CloudEvent[] {
  if (!Array.isArray(value)) {
    root.error(
      `must be a JSON array of CloudEvents (${BATCH}); got a single value. Send it as ${STRUCTURED}.`,
    );
    return [];
  }
  if (value.length === 0) {
    root.error('is an empty batch; send at least one CloudEvent.');
    return [];
  }
  const out: CloudEvent[] = [];
  value.forEach((item, index) => {
    const ce = readStructuredEvent(item, root.batchItem(index), { maxDepth });
    if (ce !== undefined) out.push(ce);
  });
  return out;
}

function looksStructured(value: unknown): boolean {
  return isJsonObject(value) && getOwn(value, 'specversion') !== undefined;
}
