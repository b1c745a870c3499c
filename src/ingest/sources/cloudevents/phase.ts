import type { Location } from '../../normalizers/findings.js';
import type { LoggerDialect } from './dialect.js';
import { FAMILIES } from './dialect.js';

export type Phase = 'request' | 'response';

/** `<family>.request` or `<family>.response`; anything else is reported with what to send. */
export function readPhase(type: string, dialect: LoggerDialect, at: Location): Phase | undefined {
  if (type === `${dialect.typeFamily}.request`) return 'request';
  if (type === `${dialect.typeFamily}.response`) return 'response';
  const other = FAMILIES.find(
    ({ family, type: kind }) => kind !== dialect.type && type.startsWith(`${family}.`),
  );
  const hint =
    other !== undefined
      ? ` This is a ${other.type} logger event: send it to a connector of type "${other.type}".`
      : " Only the request logger's request and response events are read here.";
  at.error(
    `must be "${dialect.typeFamily}.request" or "${dialect.typeFamily}.response"; got ${JSON.stringify(type.slice(0, 100))}.${hint}`,
  );
  return undefined;
}
