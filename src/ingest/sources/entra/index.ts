import type { NormalisedEvent } from '../../canonical-event.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { Fields, parseBody } from '../identity-shared/index.js';
import type { SourceKind } from '../source-kind.js';
import { readRecord } from './record.js';
import { readSignIn } from './sign-in.js';

const EXPECTED =
  'an Entra sign-in (Graph signIn), an array of them, {"value": [...]}, or an Azure Monitor export {"records": [...]}';

/**
 * Microsoft Entra ID sign-in logs (ingest-formats §13.2), in both shapes they travel in:
 * Graph `signIn` resources and Azure Monitor resource-log records (Event Hub, storage).
 */
export const entraKind: SourceKind<undefined> = {
  type: 'entra',
  title: 'Microsoft Entra ID sign-in logs (Graph signIn, Event Hub / Azure Monitor records)',
  category: 'identity',
  contentTypes: ['application/json'],
  hecEvent: 'record',
  auth: ['bearer', 'basic', 'header', 'hmac'],
  normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    const body = parseBody(request, root, EXPECTED, ctx.maxDepth);
    if (body?.form !== 'json') return findings.result([]);
    for (const { value, at, shape } of locate(body.value, root)) {
      const event = shape === 'record' ? readRecord(value, at, ctx) : graphSignIn(value, at, ctx);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
};

function graphSignIn(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const signIn = Fields.of(value, at, 'a sign-in object');
  const event = signIn && readSignIn(signIn, undefined, ctx);
  return event && { ...event, raw: value };
}

interface Located {
  readonly value: unknown;
  readonly at: Location;
  readonly shape: 'record' | 'graph';
}

function locate(value: unknown, root: Location): Located[] {
  if (Array.isArray(value)) return items(value, root, 'graph');
  if (!isJsonObject(value)) {
    root.error(`must be ${EXPECTED}; got ${got(value)}.`);
    return [];
  }
  if (Object.hasOwn(value, 'records'))
    return items(getOwn(value, 'records'), root.child('records'), 'record');
  if (Array.isArray(getOwn(value, 'value')))
    return items(getOwn(value, 'value'), root.child('value'), 'graph');
  return [{ value, at: root, shape: 'graph' }];
}

function items(list: unknown, at: Location, shape: Located['shape']): Located[] {
  if (Array.isArray(list)) {
    const values: readonly unknown[] = list;
    if (values.length === 0) at.error('is an empty array; send at least one sign-in.');
    return values.map((item, index) => ({ value: item, at: at.batchItem(index), shape }));
  }
  at.error(
    `must be an array of sign-in records; got ${got(list)}.${isJsonObject(list) ? ' Wrap the record in [ ].' : ''}`,
  );
  // A lone record still gets checked, so the sender learns everything in one round.
  return isJsonObject(list) ? [{ value: list, at, shape }] : [];
}
