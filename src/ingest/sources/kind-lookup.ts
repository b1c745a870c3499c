import type { AnySourceKind } from './source-kind.js';

/**
 * The registry's look-up, for kinds that hand part of a body to another kind (Splunk HEC reads
 * an `event` by its `sourcetype`). Kinds cannot import the registry, which imports them; the
 * registry installs its look-up here when it loads, before any body is normalised.
 */
let lookup: (type: string) => AnySourceKind | undefined = () => undefined;

export function installSourceKindLookup(fn: (type: string) => AnySourceKind | undefined): void {
  lookup = fn;
}

export function lookUpSourceKind(type: string): AnySourceKind | undefined {
  return lookup(type);
}
