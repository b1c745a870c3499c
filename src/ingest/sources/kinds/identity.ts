import { cloudtrailKind } from '../cloudtrail/index.js';
import { entraKind } from '../entra/index.js';
import { ocsfKind } from '../ocsf/index.js';
import { oktaKind } from '../okta/index.js';
import type { AnySourceKind } from '../source-kind.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const IDENTITY_KINDS: readonly AnySourceKind[] = [
  oktaKind,
  entraKind,
  cloudtrailKind,
  ocsfKind,
];
