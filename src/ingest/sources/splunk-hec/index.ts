import { Findings } from '../../normalizers/findings.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceKind, SourceRequest } from '../source-kind.js';
import { rememberRawText } from '../raw-text.js';
import { normaliseHecRaw } from './raw.js';
import { readHecObject } from './hec-object.js';
import { splitStackedObjects } from './stacked-json.js';
import { parseSegment } from './segment-json.js';
import type { NormalisedEvent } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import {
  adapterFor,
  HEC_OPTIONS,
  lineAdapterFor,
  readRawWithAdapter,
  readWithAdapter,
} from './sourcetype-adapters.js';
import type { HecOptions } from './sourcetype-adapters.js';

export { hecResponse } from './response.js';
export type { HecReply } from './response.js';
export { normaliseHecRaw } from './raw.js';
export { DEFAULT_SOURCETYPES } from './sourcetype-adapters.js';
export type { HecRawParams } from './raw.js';

/**
 * Splunk HTTP Event Collector, `/services/collector/event` (ingest-formats §1.2): one or more
 * envelope objects written back to back. Each object is a batch item, addressed by its index
 * (`/2/time`), which is HEC's `invalid-event-number`: one bad object refuses only itself.
 * `/services/collector/raw` bodies go through `normaliseHecRaw`; `hecResponse` turns a result
 * into HEC's reply body. The `Splunk <token>` header is checked by the core.
 */
/**
 * The drop-in HEC routes say which endpoint a body came to (`event` or `raw`) and pass the
 * query (`?sourcetype=…&host=…`). Read structurally, so this works whether or not the
 * SourceRequest in this tree declares them yet.
 */
type HecRouteRequest = SourceRequest & {
  readonly endpoint?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
};

export const splunkHecKind: SourceKind<HecOptions> = {
  type: 'splunk-hec',
  title: 'Splunk HTTP Event Collector (event endpoint)',
  category: 'siem',
  // HEC clients label bodies every way (none, text/plain, application/json): HEC does not care.
  contentTypes: ['*'],
  auth: ['splunk'],
  options: HEC_OPTIONS,
  // Stateless (the kinds a sourcetype selects read one record each, with no memory), and the
  // options are a plain map: big batches may be read on an ingest worker thread.
  offload: {},
  normalise(request, ctx): NormaliseResult | Promise<NormaliseResult> {
    const route = request as HecRouteRequest;
    if (route.endpoint === 'raw') {
      // `?sourcetype=cef` and the like: the lines are that product's, read by its kind.
      const lines = lineAdapterFor(ctx.options, route.query?.sourcetype);
      if (lines !== undefined)
        return readRawWithAdapter(
          lines,
          request,
          route.query ?? {},
          ctx,
          request.headers['x-splunk-request-channel'] ?? route.query?.channel,
        );
      return normaliseHecRaw(request.body, ctx, {
        ...route.query,
        channel: request.headers['x-splunk-request-channel'] ?? route.query?.channel,
      });
    }
    const findings = new Findings();
    const root = findings.root();
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(request.body);
    } catch {
      root.error('is not valid UTF-8; send the body UTF-8 encoded (JSON requires it).');
      return findings.result([]);
    }
    const start = text.trimStart();
    if (start === '') {
      root.error(
        'the body is empty (HEC code 5, "No data"); send one or more {"event": …} objects.',
      );
      return findings.result([]);
    }
    if (start.startsWith('[')) {
      root.error(
        'is a JSON array; HEC batches are objects written back to back, not an array: ' +
          'send {"event": …}{"event": …} (whitespace or newlines between them are fine), without [ ] and commas.',
      );
      return findings.result([]);
    }
    const info = { channel: request.headers['x-splunk-request-channel'] };
    const segments = splitStackedObjects(text);
    // Items in batch order; an item read by another kind (its sourcetype's) may be async.
    const read: { at: Location; events: NormalisedEvent[] | Promise<NormalisedEvent[]> }[] = [];
    segments.forEach((segment, index) => {
      const at = root.batchItem(index);
      if (segment.problem === 'stray') {
        const comma = segment.text.trim().startsWith(',')
          ? ' HEC objects are not separated by commas.'
          : '';
        at.error(
          `is not a JSON object: ${JSON.stringify(segment.text.trim().slice(0, 40))} where event ${index} should start with "{".${comma}`,
        );
        return;
      }
      const parsed = parseSegment(segment, at, ctx.maxDepth);
      if (!parsed.ok) return;
      const adapter = adapterFor(ctx.options, parsed.value);
      if (adapter !== undefined) {
        const envelope = parsed.value as Record<string, unknown>;
        read.push({ at, events: readWithAdapter(adapter, envelope, at, ctx, info.channel) });
        return;
      }
      // The envelope is the event's raw: the log stores this text rather than re-serialising it.
      if (typeof parsed.value === 'object' && parsed.value !== null)
        rememberRawText(parsed.value, segment.text);
      const event = readHecObject(parsed.value, at, info, ctx);
      if (event !== undefined) read.push({ at, events: [event] });
    });
    const emitAll = (): NormaliseResult => {
      for (const { at, events } of read)
        for (const event of events as NormalisedEvent[]) findings.emit(event, at);
      return findings.batch();
    };
    if (!read.some((item) => item.events instanceof Promise)) return emitAll();
    return Promise.all(
      read.map(async (item) => {
        item.events = await item.events;
      }),
    ).then(emitAll);
  },
};
