import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { parseBody } from '../identity-shared/index.js';
import type { SourceKind } from '../source-kind.js';
import { oktaHandshake } from './handshake.js';
import { readLogEvent } from './log-event.js';
import type { HookEnvelope } from './log-event.js';

const EXPECTED =
  'an Okta event-hook delivery ({"data": {"events": [...]}}), one System Log event, or an array of them';

/**
 * Okta (ingest-formats §13.1): event-hook deliveries and System Log API events, one event per
 * LogEvent. Each LogEvent of a batch is accepted or refused on its own.
 */
export const oktaKind: SourceKind<undefined> = {
  type: 'okta',
  title: 'Okta event hook deliveries and System Log events',
  category: 'identity',
  contentTypes: ['application/json'],
  hecEvent: 'record',
  auth: ['header', 'bearer'],
  normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    const body = parseBody(request, root, EXPECTED, ctx.maxDepth);
    if (body?.form !== 'json') return findings.result([]);
    for (const { value, at, envelope } of locateEvents(body.value, root)) {
      const event = readLogEvent(value, at, envelope, ctx);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
  handshake: (request) => oktaHandshake(request),
};

interface Located {
  readonly value: unknown;
  readonly at: Location;
  readonly envelope: HookEnvelope | undefined;
}

/** Tells a hook delivery (`data.events[]`) from a System Log array or a single LogEvent. */
function locateEvents(value: unknown, root: Location): Located[] {
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    if (list.length === 0) root.error('is an empty array; send at least one System Log event.');
    return list.map((item, index) => ({
      value: item,
      at: root.batchItem(index),
      envelope: undefined,
    }));
  }
  if (!isJsonObject(value)) {
    root.error(`must be ${EXPECTED}; got ${got(value)}.`);
    return [];
  }
  const isHook =
    getOwn(value, 'eventType') === 'com.okta.event_hook' || getOwn(value, 'data') !== undefined;
  if (!isHook) return [{ value, at: root, envelope: undefined }];
  const eventId = getOwn(value, 'eventId');
  const envelope: HookEnvelope = { eventId: typeof eventId === 'string' ? eventId : undefined };
  const data = getOwn(value, 'data');
  const dataAt = root.child('data');
  if (!isJsonObject(data)) {
    dataAt.error(`must be an object holding "events" (the delivered LogEvents); got ${got(data)}.`);
    return [];
  }
  const events = getOwn(data, 'events');
  const eventsAt = dataAt.child('events');
  if (!Array.isArray(events)) {
    eventsAt.error(
      `must be an array of LogEvents; got ${got(events)}.${isJsonObject(events) ? ' Wrap the event in [ ].' : ''}`,
    );
    return [];
  }
  const list: readonly unknown[] = events;
  if (list.length === 0) eventsAt.error('is empty; a delivery carries at least one LogEvent.');
  return list.map((item, index) => ({ value: item, at: eventsAt.batchItem(index), envelope }));
}
