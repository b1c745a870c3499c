import type { Entity } from '../../canonical-event.js';
import type { EventMaps, Fields } from '../identity-shared/index.js';

/** What CloudTrail writes as userName for a failed sign-in with a name that matched no IAM user. */
export const HIDDEN_USER = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * `userIdentity` → `entity.user` and labels. The user is the IAM user name, else the ARN (root
 * and assumed roles have no userName). A hidden name is not a user: it would lump every
 * mistyped name into one "user" and trip per-user rules, so `user` stays unset and
 * `user_hidden` says why.
 */
export function readUserIdentity(
  identity: Fields | undefined,
  entity: Entity,
  maps: EventMaps,
): string | undefined {
  if (identity === undefined) return undefined;
  const type = identity.str('type');
  const userName = identity.str('userName');
  const arn = identity.str('arn');
  if (userName === HIDDEN_USER) maps.label('user_hidden', 'true');
  else if (userName !== undefined && userName.trim() !== '') entity.user = userName;
  else if (arn !== undefined && arn.trim() !== '') entity.user = arn;
  maps.label('user_type', type);
  maps.label('principal_id', identity.str('principalId'));
  maps.label('user_arn', arn);
  maps.label('account_id', identity.str('accountId'));
  maps.label('access_key_id', identity.str('accessKeyId'));
  maps.label('invoked_by', identity.str('invokedBy'));
  const issuer = identity.obj('sessionContext')?.obj('sessionIssuer');
  maps.label('session_issuer', issuer?.str('userName') ?? issuer?.str('arn'));
  return type;
}
