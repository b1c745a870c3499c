import { BUILTIN_KINDS } from './kinds/builtin.js';
import { IDENTITY_KINDS } from './kinds/identity.js';
import { INFERENCE_KINDS } from './kinds/inference.js';
import { LINE_KINDS } from './kinds/lines.js';
import { LLM_KINDS } from './kinds/llm.js';
import { MAPPED_KINDS } from './kinds/mapped.js';
import { MONITOR_KINDS } from './kinds/monitors.js';
import { SIEM_KINDS } from './kinds/siem.js';
import { installSourceKindLookup } from './kind-lookup.js';
import type { AnySourceKind } from './source-kind.js';

const TYPE = /^[a-z][a-z0-9-]{0,62}$/;

function index(kinds: readonly AnySourceKind[]): ReadonlyMap<string, AnySourceKind> {
  const byType = new Map<string, AnySourceKind>();
  for (const kind of kinds) {
    if (!TYPE.test(kind.type))
      throw new Error(`Source kind type "${kind.type}" is not a valid name.`);
    if (byType.has(kind.type)) throw new Error(`Source kind "${kind.type}" is registered twice.`);
    byType.set(kind.type, kind);
  }
  return byType;
}

const KINDS = index([
  ...BUILTIN_KINDS,
  ...SIEM_KINDS,
  ...MONITOR_KINDS,
  ...INFERENCE_KINDS,
  ...LLM_KINDS,
  ...IDENTITY_KINDS,
  ...LINE_KINDS,
  ...MAPPED_KINDS,
]);

installSourceKindLookup((type) => KINDS.get(type));

/** Every source connector type, in registry order. */
export const SOURCE_KIND_TYPES: readonly string[] = [...KINDS.keys()];

/** The kind for a connector type, or undefined (a config error upstream). */
export function getSourceKind(type: string): AnySourceKind | undefined {
  return KINDS.get(type);
}

export function allSourceKinds(): readonly AnySourceKind[] {
  return [...KINDS.values()];
}
