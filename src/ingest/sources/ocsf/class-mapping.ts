import type { Entity, EventKind } from '../../canonical-event.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { EventMaps, Fields } from '../identity-shared/index.js';
import { API_ACTIVITY, AUTHENTICATION } from './classes.js';
import { readSourceEndpoint, readUser, readUserAgent, sessionUid } from './objects.js';

/** Authentication (3002) → login: who, from where, how (MFA, protocol, logon type). */
export function mapAuthentication(item: Fields, entity: Entity, maps: EventMaps): EventKind {
  if (!item.has('user'))
    item
      .loc('user')
      .error(
        'is required for Authentication (3002): the OCSF User signing in, e.g. {"name": "alice@example.com"}.',
      );
  else readUser(item, 'user', entity, maps);
  readSourceEndpoint(item, entity, maps);
  readUserAgent(item, entity);
  const session = sessionUid(item.obj('session'));
  if (session !== undefined) entity.session = session;
  const host = item.obj('dst_endpoint')?.str('hostname');
  if (host) entity.host = host;
  const mfa = item.bool('is_mfa');
  if (mfa !== undefined) maps.label('mfa_used', mfa);
  maps.label('auth_protocol', item.str('auth_protocol') ?? item.num('auth_protocol_id'));
  maps.label('logon_type', item.str('logon_type') ?? item.num('logon_type_id'));
  maps.label('service_name', item.obj('service')?.str('name'));
  return 'login';
}

const LLM_HINT = /chat|complet|converse|generat|prompt|llm|bedrock|embed|openai|anthropic/i;
const MODEL_RESOURCE = /model|llm/i;

/**
 * API Activity (6003) → audit, unless `resources[]` names a model (a resource whose type
 * says "model"): then it is a model call, `llm` when the operation, service or resource
 * type reads like a generative/LLM API (chat, completion, converse, Bedrock …), else
 * `inference`. The model resource fills entity.model/model_version.
 */
export function mapApiActivity(item: Fields, entity: Entity, maps: EventMaps): EventKind {
  const actor = item.obj('actor', 'an OCSF Actor object');
  if (actor?.has('user')) readUser(actor, 'user', entity, maps);
  const session = sessionUid(actor?.obj('session'));
  if (session !== undefined) entity.session = session;
  maps.label('app_name', actor?.str('app_name'));
  readSourceEndpoint(item, entity, maps);
  readUserAgent(item, entity);
  const api = item.obj('api', 'an OCSF API object');
  const operation = api?.str('operation');
  const service = api?.obj('service')?.str('name');
  maps.label('api_operation', operation);
  maps.label('api_service', service);
  maps.label('request_id', api?.obj('request')?.str('uid'));
  const response = api?.obj('response');
  const code = response?.value('code');
  if (typeof code === 'number') maps.measure('status_code', code);
  maps.label('error_code', response?.str('error'));
  maps.label('error_message', response?.str('error_message') ?? response?.str('message'));
  const cloud = item.obj('cloud');
  maps.label('cloud_provider', cloud?.str('provider'));
  maps.label('cloud_region', cloud?.str('region'));
  const account = cloud?.obj('account')?.str('uid');
  if (account) entity.tenant = account;

  const resources = (item.list('resources') ?? []).filter(isJsonObject);
  const names = resources.flatMap((r) => (typeof r.name === 'string' ? [r.name] : []));
  if (names.length > 0) maps.label('resources', names.join(', '));
  const model = resources.find((r) => typeof r.type === 'string' && MODEL_RESOURCE.test(r.type));
  if (model === undefined) return 'audit';
  const modelName =
    typeof model.name === 'string'
      ? model.name
      : typeof model.uid === 'string'
        ? model.uid
        : undefined;
  if (modelName) entity.model = modelName;
  if (typeof model.version === 'string' && model.version !== '')
    entity.model_version = model.version;
  const text = [operation, service, model.type].filter((t) => typeof t === 'string').join(' ');
  return LLM_HINT.test(text) ? 'llm' : 'inference';
}

/** Any other class: an audit entry with whatever actor, user and endpoint it carries. */
export function mapOther(item: Fields, entity: Entity, maps: EventMaps): EventKind {
  if (isJsonObject(item.value('user'))) readUser(item, 'user', entity, maps);
  const actor = item.obj('actor', 'an OCSF Actor object');
  if (entity.user === undefined && actor?.has('user')) readUser(actor, 'user', entity, maps);
  readSourceEndpoint(item, entity, maps);
  readUserAgent(item, entity);
  return 'audit';
}

export function mapClass(
  classUid: number | undefined,
  item: Fields,
  entity: Entity,
  maps: EventMaps,
): EventKind {
  if (classUid === AUTHENTICATION) return mapAuthentication(item, entity, maps);
  if (classUid === API_ACTIVITY) return mapApiActivity(item, entity, maps);
  return mapOther(item, entity, maps);
}
