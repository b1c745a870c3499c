import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { EventMaps, parseBody } from '../identity-shared/index.js';
import type { SourceKind } from '../source-kind.js';
import { readCloudTrailRecord } from './record.js';

const EXPECTED =
  'CloudTrail events: {"Records": [...]} (an S3 log object), one record, an array of records, or an EventBridge event with the record in "detail"';

/**
 * AWS CloudTrail (ingest-formats §13.3), however it is delivered: S3 log objects, single
 * records, or EventBridge events. Records of a batch are accepted or refused one by one.
 */
export const cloudtrailKind: SourceKind<undefined> = {
  type: 'cloudtrail',
  title: 'AWS CloudTrail events (S3 log objects, single records, EventBridge)',
  category: 'identity',
  contentTypes: ['application/json'],
  hecEvent: 'record',
  auth: ['bearer', 'basic', 'header', 'hmac'],
  normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    const body = parseBody(request, root, EXPECTED, ctx.maxDepth);
    if (body?.form !== 'json') return findings.result([]);
    for (const { value, at, envelope } of locate(body.value, root)) {
      const event = readCloudTrailRecord(value, at, ctx, envelope);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
};

interface Located {
  readonly value: unknown;
  readonly at: Location;
  readonly envelope?: EventMaps;
}

function locate(value: unknown, root: Location): Located[] {
  if (Array.isArray(value)) return batch(value, root);
  if (!isJsonObject(value)) {
    root.error(`must be ${EXPECTED}; got ${got(value)}.`);
    return [];
  }
  if (Object.hasOwn(value, 'Records'))
    return batch(getOwn(value, 'Records'), root.child('Records'));
  if (Object.hasOwn(value, 'detail-type') || Object.hasOwn(value, 'detail'))
    return eventBridge(value, root);
  return [{ value, at: root }];
}

function batch(list: unknown, at: Location): Located[] {
  if (Array.isArray(list)) {
    const values: readonly unknown[] = list;
    if (values.length === 0) at.error('is an empty array; send at least one record.');
    return values.map((item, index) => ({ value: item, at: at.batchItem(index) }));
  }
  at.error(
    `must be an array of CloudTrail records; got ${got(list)}.${isJsonObject(list) ? ' Wrap the record in [ ] ({"Records": [ {...} ]}).' : ''}`,
  );
  // A lone record still gets checked, so the sender learns everything in one round.
  return isJsonObject(list) ? [{ value: list, at }] : [];
}

/**
 * EventBridge wraps one record in `detail`. Its own id differs per delivery route, so the
 * event keeps CloudTrail's eventID (an S3 copy of the same record then dedupes) and the
 * EventBridge fields go to labels.
 */
function eventBridge(value: JsonObject, root: Location): Located[] {
  const detail = getOwn(value, 'detail');
  const detailAt = root.child('detail');
  if (!isJsonObject(detail)) {
    detailAt.error(`must be the CloudTrail record (an object); got ${got(detail)}.`);
    return [];
  }
  const envelope = new EventMaps();
  envelope.label('eventbridge_id', getOwn(value, 'id'));
  envelope.label('eventbridge_detail_type', getOwn(value, 'detail-type'));
  envelope.label('eventbridge_source', getOwn(value, 'source'));
  return [{ value: detail, at: detailAt, envelope }];
}
