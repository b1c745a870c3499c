import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import type { DiagnosticSink } from '../../../shared/yaml.js';

/**
 * `acl_group`: the ACL group access.deny puts a consumer in (default cordon-denied).
 * `acl_service`: the Kong service whose acl plugin must deny that group; when set, access.deny
 * makes sure it does (creating the plugin once, or adding the group to its deny list). Without
 * it the plugin is the operator's to configure, since an ACL group alone denies nothing.
 */
export interface KongOptions {
  readonly aclGroup: string;
  readonly aclService?: string;
}

export const DEFAULT_KONG_OPTIONS: KongOptions = { aclGroup: 'cordon-denied' };

const NAME = /^[A-Za-z0-9._~-]{1,128}$/;

export function compileKongOptions(value: unknown, sink: DiagnosticSink): KongOptions | undefined {
  if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
  checkKeys(sink, ['options'], value, 'options', { optional: ['acl_group', 'acl_service'] });
  const group = value.acl_group ?? DEFAULT_KONG_OPTIONS.aclGroup;
  const service = value.acl_service;
  let ok = true;
  for (const [key, v] of [
    ['acl_group', group],
    ['acl_service', service],
  ] as const) {
    if (v !== undefined && (typeof v !== 'string' || !NAME.test(v))) {
      sink.error(
        ['options', key],
        'CORDON_ERR_DEFINITION_VALUE',
        `options.${key} is a Kong name (letters, digits, . _ ~ -); got ${describe(v)}.`,
      );
      ok = false;
    }
  }
  if (!ok) return undefined;
  return {
    aclGroup: group as string,
    ...(typeof service === 'string' ? { aclService: service } : {}),
  };
}
