import { got } from '../../normalizers/json-values.js';
import { checkEpochMs } from '../../normalizers/time.js';
import { readRfc3339Value } from '../identity-shared/index.js';
import type { Fields } from '../identity-shared/index.js';

/**
 * OCSF `time` is epoch milliseconds; a seconds-sized number is a unit slip upstream and is
 * refused with the value in ms as the fix (checkEpochMs). `time_dt` (RFC 3339) is read when
 * `time` is absent. Undefined = no time (receipt time is used) or an error was reported.
 */
export function readOcsfTime(item: Fields): number | undefined {
  const value = item.value('time');
  if (value === undefined || value === null)
    return readRfc3339Value(
      item.value('time_dt'),
      item.loc('time_dt'),
      'OCSF time_dt is RFC 3339.',
    );
  if (typeof value !== 'number') {
    const unquote =
      typeof value === 'string' && /^\d+$/.test(value) ? ` Send ${value} without quotes.` : '';
    item
      .loc('time')
      .error(
        `must be epoch milliseconds (OCSF timestamp_t, a number); got ${got(value)}.${unquote}`,
      );
    return undefined;
  }
  const checked = checkEpochMs(value);
  if (checked.ok) return checked.ms;
  item.loc('time').error(`${checked.reason} OCSF time is always in milliseconds.`);
  return undefined;
}
