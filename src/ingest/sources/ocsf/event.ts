import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { stableStringify } from '../../../shared/hash.js';
import { EventMaps, Fields, finishEvent } from '../identity-shared/index.js';
import { readClass, readSeverity, readStatus } from './classes.js';
import { mapClass } from './class-mapping.js';
import { readOcsfTime } from './time.js';

/**
 * One OCSF event → one canonical event. The base attributes (class, time, severity,
 * status, metadata) are read for every class; the class decides the kind and the entity.
 */
export function readOcsfEvent(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const item = Fields.of(value, at, 'an OCSF event object');
  if (item === undefined) return undefined;
  const maps = new EventMaps();
  const entity: Entity = {};
  const { classUid, activityId } = readClass(item);
  const time = readOcsfTime(item);
  const severity = readSeverity(item);
  const outcome = readStatus(item);
  const kind = mapClass(classUid, item, entity, maps);

  maps.label('class_uid', classUid);
  maps.label('class_name', item.str('class_name'));
  maps.label('category_uid', item.value('category_uid'));
  maps.label('activity_id', activityId);
  maps.label('activity_name', item.str('activity_name'));
  maps.label('status', item.str('status'));
  maps.label('status_code', item.str('status_code'));
  maps.label('status_detail', item.str('status_detail'));
  maps.label('message', item.str('message'));
  maps.measure('risk_score', item.value('risk_score'));
  maps.measure('count', item.value('count'));
  const metadata = item.obj('metadata', 'an OCSF Metadata object');
  const product = metadata?.obj('product');
  maps.label('product', product?.str('name'));
  maps.label('vendor', product?.str('vendor_name'));
  maps.label('ocsf_version', metadata?.str('version'));
  maps.label('log_name', metadata?.str('log_name'));
  maps.label('correlation_uid', metadata?.str('correlation_uid'));
  maps.label('original_time', metadata?.str('original_time'));

  if (classUid === undefined || !item.has('class_uid')) return undefined;
  const uid = metadata?.str('uid');
  const className = item.str('class_name');
  const activityName = item.str('activity_name');
  const event: Omit<NormalisedEvent, 'time'> = {
    id:
      uid !== undefined && uid.trim() !== '' ? uid : prefixedHashId('ocsf', stableStringify(value)),
    kind,
    name:
      item.str('type_name') ??
      (className && activityName
        ? `${className}: ${activityName}`
        : `ocsf_${classUid * 100 + (activityId ?? 0)}`),
    severity,
    outcome,
    entity,
    measures: maps.measures,
    labels: maps.labels,
    raw: value,
  };
  return finishEvent(event, time, ctx, item.loc('time'));
}
