import type { NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import { applyTimeClamp, TIME_MISSING_LABEL } from '../../normalizers/time-clamp.js';
import type { FieldError, NormaliseResult } from '../../normalizers/types.js';
import { lookUpSourceKind } from '../kind-lookup.js';
import type { OptionsSpec, SourceContext, SourceRequest } from '../source-kind.js';
import { contentId } from '../siem-common/content-id.js';
import { putLabel } from '../siem-common/labels.js';
import { readEnvelope } from './hec-object.js';
import type { HecEnvelope } from './hec-object.js';

/**
 * Splunk forwarders and add-ons send every product's records through HEC, each labelled with
 * its sourcetype. An `event` whose sourcetype is mapped here is read by that product's own
 * source kind (a CloudTrail record by `cloudtrail`, a CEF line by `cef`), exactly as if the
 * product had posted it to Cordon, and keeps the envelope's host, index, fields and, when the
 * record has none, its time. Only kinds that say what they read (`SourceKind.hecEvent`) can be
 * chosen, and only for an event of that shape: a string for a line kind, an object for a record
 * kind; any other event under a mapped sourcetype is read as plain HEC. Sourcetypes match
 * case-insensitively; `splunk-hec` as a target reads the event as plain HEC.
 */
export const DEFAULT_SOURCETYPES: Readonly<Record<string, string>> = {
  // Splunk Add-on for AWS
  'aws:cloudtrail': 'cloudtrail',
  // Splunk Add-on for Okta Identity Cloud
  'oktaim2:log': 'okta',
  // Splunk Add-ons for Microsoft Azure / Cloud Services: Entra ID (Azure AD) sign-ins
  'azure:aad:signin': 'entra',
  'ms:aad:signin': 'entra',
  // Line formats forwarded as they are
  cef: 'cef',
  leef: 'leef',
  syslog: 'syslog',
  ocsf: 'ocsf',
};

export interface HecOptions {
  /** Lower-cased sourcetype → source kind type. */
  readonly sourcetypes: ReadonlyMap<string, string>;
}

const SELF = 'splunk-hec';

export const HEC_OPTIONS: OptionsSpec<HecOptions> = {
  keys: ['sourcetypes'],
  compile(value, report) {
    const map = new Map(Object.entries(DEFAULT_SOURCETYPES));
    if (value === undefined || value === null) return { sourcetypes: map };
    if (!isJsonObject(value)) {
      report([], 'must be a mapping such as {sourcetypes: {"aws:cloudtrail": cloudtrail}}.');
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value))
      if (key !== 'sourcetypes') {
        report([key], 'is not an option of splunk-hec; the only one is sourcetypes.');
        ok = false;
      }
    const given = getOwn(value, 'sourcetypes');
    if (given !== undefined && !isJsonObject(given)) {
      report(
        ['sourcetypes'],
        'must map sourcetypes to source types, e.g. {"aws:cloudtrail": cloudtrail}.',
      );
      return undefined;
    }
    const seen = new Map<string, string>();
    for (const [sourcetype, target] of Object.entries(given ?? {})) {
      const key = sourcetype.toLowerCase();
      const twin = seen.get(key);
      if (twin !== undefined) {
        report(
          ['sourcetypes', sourcetype],
          `is "${twin}" again (sourcetypes match case-insensitively); keep one of them.`,
        );
        ok = false;
        continue;
      }
      seen.set(key, sourcetype);
      if (typeof target !== 'string' || (target !== SELF && !selectable(target))) {
        const choices = ['cloudtrail', 'okta', 'entra', 'ocsf', 'cef', 'leef', 'syslog', SELF];
        report(
          ['sourcetypes', sourcetype],
          `must name a source type that reads one forwarded record (${choices.join(', ')}); got ${JSON.stringify(target)}.`,
        );
        ok = false;
        continue;
      }
      map.set(key, target);
    }
    return ok ? { sourcetypes: map } : undefined;
  },
};

function selectable(type: string): boolean {
  return lookUpSourceKind(type)?.hecEvent !== undefined;
}

/**
 * The source type an envelope's sourcetype selects for its event, when the event has the
 * shape that kind reads; undefined otherwise (read as plain HEC).
 */
export function adapterFor(options: HecOptions | undefined, envelope: unknown): string | undefined {
  if (!options || !isJsonObject(envelope)) return undefined;
  const sourcetype = getOwn(envelope, 'sourcetype');
  if (typeof sourcetype !== 'string') return undefined;
  const target = options.sourcetypes.get(sourcetype.toLowerCase());
  if (target === undefined || target === SELF) return undefined;
  const reads = lookUpSourceKind(target)?.hecEvent;
  const event = getOwn(envelope, 'event');
  if (reads === 'line')
    return typeof event === 'string' && event.trim() !== '' ? target : undefined;
  if (reads === 'record') return isJsonObject(event) ? target : undefined;
  return undefined;
}

/** For `/raw`: the line kind `?sourcetype=` selects, if any. */
export function lineAdapterFor(
  options: HecOptions | undefined,
  sourcetype: string | undefined,
): string | undefined {
  if (!options || sourcetype === undefined) return undefined;
  const target = options.sourcetypes.get(sourcetype.toLowerCase());
  return target !== undefined && lookUpSourceKind(target)?.hecEvent === 'line' ? target : undefined;
}

/**
 * Reads one envelope's `event` with the kind `type` (chosen by `adapterFor`). Errors, of the
 * envelope or of the record (at `/event/…`), reject this item only; so does a kind that throws.
 */
export function readWithAdapter(
  type: string,
  envelope: Record<string, unknown>,
  at: Location,
  ctx: SourceContext<unknown>,
  channel: string | undefined,
): NormalisedEvent[] | Promise<NormalisedEvent[]> {
  const read = readEnvelope(envelope, at);
  if (read === undefined) return [];
  const event = getOwn(envelope, 'event');
  const eventAt = at.child('event');
  const line = typeof event === 'string';
  const contentType = line ? 'text/plain' : 'application/json';
  const finish = (r: NormaliseResult): NormalisedEvent[] => {
    if (!r.ok) return reportAll(r.errors, eventAt);
    if (r.rejected && r.rejected.length > 0)
      return reportAll(
        r.rejected.flatMap((item) => item.errors),
        eventAt,
      );
    for (const warning of r.warnings) eventAt.warn(`read as ${type}: ${warning}`);
    return r.events.map((e) => {
      // A line has no id of its own (its kind hashes the text): the whole envelope tells two
      // sends of one line apart, as for plain HEC. A record keeps its own id (CloudTrail's
      // eventID), so a re-forwarded record is the duplicate it is.
      const id = line ? contentId('hec', envelope) : e.id;
      return withEnvelope({ ...e, id }, read, channel, ctx.now, at);
    });
  };
  const failed = (err: unknown): NormalisedEvent[] => {
    eventAt.error(`could not be read as ${type}: ${errorText(err)}`);
    return [];
  };
  return readAs(
    type,
    { body: Buffer.from(line ? event : JSON.stringify(event)), contentType, headers: {} },
    ctx,
    finish,
    failed,
  );
}

/**
 * A `/services/collector/raw` body whose `?sourcetype=` selects a line kind (cef, leef,
 * syslog): read whole by that kind. Each event is labelled with the query's sourcetype,
 * source, index and channel (and its host where the line names none), with an id of the
 * receipt time, position and line, as plain raw lines have: the same line twice is two events.
 */
export function readRawWithAdapter(
  type: string,
  request: SourceRequest,
  query: Readonly<Record<string, string | undefined>>,
  ctx: SourceContext<unknown>,
  channel: string | undefined,
): NormaliseResult | Promise<NormaliseResult> {
  const envelope: HecEnvelope = {
    host: query.host,
    source: query.source,
    sourcetype: query.sourcetype,
    index: query.index,
    time: undefined,
    fields: {},
  };
  const finish = (r: NormaliseResult): NormaliseResult =>
    r.ok
      ? {
          ...r,
          events: r.events.map((e, i) =>
            withEnvelope(
              { ...e, id: prefixedHashId('hecraw', `${ctx.source}|${ctx.now}|${i}|${e.id}`) },
              envelope,
              channel,
              ctx.now,
              undefined,
            ),
          ),
        }
      : r;
  const failed = (err: unknown): NormaliseResult => ({
    ok: false,
    errors: [{ path: '', reason: `could not be read as ${type}: ${errorText(err)}` }],
  });
  return readAs(
    type,
    { body: request.body, contentType: 'text/plain', headers: {} },
    ctx,
    finish,
    failed,
  );
}

/**
 * Runs the kind `type` on `request` with its default options, then `finish`; a kind that
 * throws, or whose promise rejects, goes to `failed` instead of failing the whole request.
 */
function readAs<T>(
  type: string,
  request: SourceRequest,
  ctx: SourceContext<unknown>,
  finish: (r: NormaliseResult) => T,
  failed: (err: unknown) => T,
): T | Promise<T> {
  const kind = lookUpSourceKind(type);
  if (!kind) return failed(new Error(`there is no source type "${type}"`));
  try {
    const result = kind.normalise(request, {
      ...ctx,
      contentType: request.contentType,
      options: defaultOptions(type),
    });
    return result instanceof Promise ? result.then(finish, failed) : finish(result);
  } catch (err) {
    return failed(err);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const defaults = new Map<string, unknown>();
function defaultOptions(type: string): unknown {
  if (!defaults.has(type)) {
    const kind = lookUpSourceKind(type);
    defaults.set(
      type,
      kind?.options?.compile(undefined, () => undefined),
    );
  }
  return defaults.get(type);
}

function reportAll(errors: readonly FieldError[], at: Location): NormalisedEvent[] {
  for (const { path, reason } of errors) pointerChild(at, path).error(reason);
  return [];
}

function pointerChild(at: Location, pointer: string): Location {
  let here = at;
  for (const segment of pointer.split('/').slice(1))
    here = here.child(segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  return here;
}

/**
 * The envelope on an event read by another kind: labels, fields and host; and its time when
 * the record carried none (the kind stamped the receipt time and said so).
 */
function withEnvelope(
  event: NormalisedEvent,
  envelope: HecEnvelope,
  channel: string | undefined,
  now: number,
  at: Location | undefined,
): NormalisedEvent {
  const labels = { ...event.labels };
  putLabel(labels, 'splunk.source', envelope.source);
  putLabel(labels, 'splunk.sourcetype', envelope.sourcetype);
  putLabel(labels, 'splunk.index', envelope.index);
  putLabel(labels, 'splunk.channel', channel);
  for (const key of Object.keys(envelope.fields)) putLabel(labels, key, envelope.fields[key]);
  const host = envelope.host;
  const entity =
    event.entity.host === undefined && host !== undefined && host !== ''
      ? { ...event.entity, host }
      : event.entity;
  const untimed = labels[TIME_MISSING_LABEL] === 'true' && envelope.time !== undefined;
  if (!untimed) return { ...event, entity, labels };
  delete labels[TIME_MISSING_LABEL];
  const timed = { ...event, entity, labels, time: envelope.time };
  return at ? applyTimeClamp(timed, now, at.child('time')) : timed;
}
