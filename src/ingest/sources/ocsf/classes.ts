import type { Outcome, Severity } from '../../canonical-event.js';
import { got } from '../../normalizers/json-values.js';
import { severityFromWord } from '../../normalizers/severity.js';
import type { Fields } from '../identity-shared/index.js';

export const AUTHENTICATION = 3002;
export const API_ACTIVITY = 6003;

/** ingest-formats §0.5: OCSF severity_id maps directly; Fatal (6) is critical. */
const SEVERITIES: ReadonlyMap<number, Severity> = new Map<number, Severity>([
  [0, 'info'],
  [1, 'info'],
  [2, 'low'],
  [3, 'medium'],
  [4, 'high'],
  [5, 'critical'],
  [6, 'critical'],
]);

/** 99 (Other) defers to the `severity` caption when it is a known word, else medium. */
export function readSeverity(item: Fields): Severity {
  const id = item.value('severity_id');
  if (id === undefined || id === null) return severityWord(item.str('severity')) ?? 'info';
  const level = typeof id === 'number' ? SEVERITIES.get(id) : undefined;
  if (level !== undefined) return level;
  if (id === 99) return severityWord(item.str('severity')) ?? 'medium';
  item
    .loc('severity_id')
    .error(
      `must be an OCSF severity id: 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal or 99 Other; got ${got(id)}.`,
    );
  return 'info';
}

function severityWord(word: string | undefined): Severity | undefined {
  if (word === undefined) return undefined;
  return word.toLowerCase() === 'fatal' ? 'critical' : severityFromWord(word);
}

const STATUS_IDS: Readonly<Record<string, number>> = {
  unknown: 0,
  success: 1,
  failure: 2,
  other: 99,
};

/** `status_id`: 1 Success, 2 Failure; 0 Unknown and 99 Other say nothing about the verdict. */
export function readStatus(item: Fields): Outcome {
  const id = item.value('status_id');
  if (id === undefined || id === null) {
    const caption = item.str('status')?.toLowerCase();
    return caption === 'success' ? 'success' : caption === 'failure' ? 'failure' : 'unknown';
  }
  if (id === 1) return 'success';
  if (id === 2) return 'failure';
  if (id === 0 || id === 99) return 'unknown';
  const named = typeof id === 'string' ? STATUS_IDS[id.trim().toLowerCase()] : undefined;
  const fix =
    named !== undefined ? ` Send the number ${named} (the caption goes in "status").` : '';
  item
    .loc('status_id')
    .error(
      `must be an OCSF status id: 0 Unknown, 1 Success, 2 Failure or 99 Other; got ${got(id)}.${fix}`,
    );
  return 'unknown';
}

/**
 * The event class, checked against `type_uid` (= class_uid × 100 + activity_id). When
 * class_uid is missing the class implied by type_uid is still used to check the rest of the
 * item, so every problem shows at once; the item is refused either way.
 */
export function readClass(item: Fields): {
  classUid: number | undefined;
  activityId: number | undefined;
} {
  const classUid = integer(
    item,
    'class_uid',
    'the OCSF class id, e.g. 3002 (Authentication) or 6003 (API Activity)',
  );
  const activityId = integer(item, 'activity_id', 'the OCSF activity id, e.g. 1 (Logon)');
  const typeUid = integer(item, 'type_uid', 'class_uid × 100 + activity_id, e.g. 300201');
  const implied = typeUid === undefined ? undefined : Math.floor(typeUid / 100);
  if (!item.has('class_uid')) {
    const hint =
      implied !== undefined && implied > 0
        ? ` Its type_uid ${typeUid} suggests class_uid ${implied}.`
        : '';
    item
      .loc('class_uid')
      .error(`is required: the OCSF class id, e.g. 3002 (Authentication).${hint}`);
  }
  const effectiveClass = classUid ?? implied;
  const effectiveActivity = activityId ?? (typeUid === undefined ? undefined : typeUid % 100);
  if (typeUid !== undefined && effectiveClass !== undefined && effectiveActivity !== undefined) {
    const expected = effectiveClass * 100 + effectiveActivity;
    if (expected !== typeUid) {
      item
        .loc('type_uid')
        .error(
          `must be class_uid × 100 + activity_id = ${expected}${classUid === undefined ? ` (class ${effectiveClass} as type_uid implies, activity ${effectiveActivity})` : ''}; got ${typeUid}. Fix whichever of the three is wrong.`,
        );
    }
  }
  return { classUid: effectiveClass, activityId: effectiveActivity };
}

function integer(item: Fields, key: string, what: string): number | undefined {
  const value = item.value(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const unquote =
    typeof value === 'string' && /^\d+$/.test(value) ? ` Send ${value} without quotes.` : '';
  item.loc(key).error(`must be ${what} (a whole number); got ${got(value)}.${unquote}`);
  return undefined;
}
