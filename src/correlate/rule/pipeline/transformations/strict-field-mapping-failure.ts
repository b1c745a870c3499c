import type { TransformationKind } from '../types.js';

/**
 * `strict_field_mapping_failure`: skips a rule (with a warning) if a field of its detection
 * items was renamed by no field renaming item before this one, as pySigma's
 * StrictFieldMappingFailure refuses it: a deployment that maps every field it has can say so,
 * and rules reading anything else are skipped rather than left to never match.
 */
export const strictFieldMappingFailure: TransformationKind = {
  type: 'strict_field_mapping_failure',
  keys: [],
  schema: {},
  renamesFields: false,
  parse: () => ({ kind: 'strict' }),
};
