import type { NormalisedEvent } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import type { FieldError, NormaliseResult } from '../../normalizers/types.js';
import { lookUpSourceKind } from '../kind-lookup.js';
import type { OptionsSpec, SourceContext, SourceRequest } from '../source-kind.js';
import { putLabel } from '../siem-common/labels.js';
import { readFields } from './fields.js';

/**
 * Splunk forwarders and add-ons send every product's records through HEC, each labelled with
 * its sourcetype. An `event` whose sourcetype is mapped here is read by that product's own
 * source kind (a CloudTrail record by `cloudtrail`, a CEF line by `cef`), exactly as if the
 * product had posted it to Cordon, and keeps the envelope's host, index and fields.
 * Sourcetypes match case-insensitively; `splunk-hec` as a target reads the event as plain HEC.
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
    for (const [sourcetype, target] of Object.entries(given ?? {})) {
      if (typeof target !== 'string' || (target !== SELF && !lookUpSourceKind(target))) {
        report(
          ['sourcetypes', sourcetype],
          `must name a source type (see \`cordon parse --list\`), or ${SELF} to read the event as plain HEC; got ${JSON.stringify(target)}.`,
        );
        ok = false;
        continue;
      }
      map.set(sourcetype.toLowerCase(), target);
    }
    return ok ? { sourcetypes: map } : undefined;
  },
};

/** The source type an envelope's sourcetype selects, when it selects another reader. */
export function adapterFor(options: HecOptions | undefined, envelope: unknown): string | undefined {
  if (!options || !isJsonObject(envelope)) return undefined;
  const sourcetype = getOwn(envelope, 'sourcetype');
  if (typeof sourcetype !== 'string') return undefined;
  const target = options.sourcetypes.get(sourcetype.toLowerCase());
  return target === SELF ? undefined : target;
}

/**
 * Reads one envelope's `event` with the kind `type`. Its errors are reported at `at`'s
 * `/event/…` (rejecting this item only); its events get the envelope's labels and host.
 */
export function readWithAdapter(
  type: string,
  envelope: Record<string, unknown>,
  at: Location,
  ctx: SourceContext<unknown>,
): NormalisedEvent[] | Promise<NormalisedEvent[]> {
  const kind = lookUpSourceKind(type);
  const event = getOwn(envelope, 'event');
  const eventAt = at.child('event');
  if (!kind) {
    eventAt.error(`names source type "${type}", which this version does not have.`);
    return [];
  }
  if (event === undefined || event === null || event === '') {
    eventAt.error('is required and must not be blank (HEC codes 12 and 13).');
    return [];
  }
  const fields = readFields(getOwn(envelope, 'fields'), at.child('fields'));
  if (fields === undefined) return [];
  const text = typeof event === 'string';
  const contentType = text ? 'text/plain' : 'application/json';
  const body = Buffer.from(text ? event : JSON.stringify(event));
  const options = defaultOptions(type);
  const result = kind.normalise(
    { body, contentType, headers: {} },
    { ...ctx, contentType, options },
  );
  const finish = (r: NormaliseResult): NormalisedEvent[] => {
    if (!r.ok) return reportAll(r.errors, eventAt);
    if (r.rejected && r.rejected.length > 0)
      return reportAll(
        r.rejected.flatMap((item) => item.errors),
        eventAt,
      );
    for (const warning of r.warnings) eventAt.warn(`read as ${type}: ${warning}`);
    return r.events.map((e) => withEnvelope(e, envelope, fields));
  };
  return result instanceof Promise ? result.then(finish) : finish(result);
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

/** The envelope's metadata on an event read by another kind: labels, fields, host. */
function withEnvelope(
  event: NormalisedEvent,
  envelope: Record<string, unknown>,
  fields: Readonly<Record<string, string>>,
): NormalisedEvent {
  const labels = { ...event.labels };
  for (const key of ['source', 'sourcetype', 'index'] as const) {
    const value = getOwn(envelope, key);
    if (typeof value === 'string') putLabel(labels, `splunk.${key}`, value);
  }
  for (const key of Object.keys(fields)) putLabel(labels, key, fields[key]);
  const host = getOwn(envelope, 'host');
  const entity =
    event.entity.host === undefined && typeof host === 'string' && host !== ''
      ? { ...event.entity, host }
      : event.entity;
  return { ...event, entity, labels };
}

/**
 * A `/services/collector/raw` body whose `?sourcetype=` selects a line kind (cef, leef,
 * syslog): read whole by that kind, each event labelled with the query's sourcetype, source,
 * index and host (the host only where the line names none).
 */
export function readRawWithAdapter(
  type: string,
  request: SourceRequest,
  query: Readonly<Record<string, string | undefined>>,
  ctx: SourceContext<unknown>,
): NormaliseResult | Promise<NormaliseResult> {
  const kind = lookUpSourceKind(type);
  if (!kind)
    return {
      ok: false,
      errors: [
        { path: '', reason: `sourcetype selects "${type}", which this version does not have.` },
      ],
    };
  const envelope: Record<string, unknown> = { ...query };
  const result = kind.normalise(
    { body: request.body, contentType: 'text/plain', headers: request.headers },
    { ...ctx, contentType: 'text/plain', options: defaultOptions(type) },
  );
  const finish = (r: NormaliseResult): NormaliseResult =>
    r.ok ? { ...r, events: r.events.map((e) => withEnvelope(e, envelope, {})) } : r;
  return result instanceof Promise ? result.then(finish) : finish(result);
}
