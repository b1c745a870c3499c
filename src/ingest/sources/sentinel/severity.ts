import type { Severity } from '../../canonical-event.js';
import { got } from '../../normalizers/json-values.js';
import type { Prop } from './props.js';

const LEVELS: ReadonlyMap<string, Severity> = new Map([
  ['informational', 'info'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
]);

/**
 * Sentinel's four severities (§0.5). Anything else is refused: "Critical" is not one of them
 * (a hand-built body), and numbers are ARM enum indexes no playbook should forward.
 * undefined = absent (default medium), null = reported.
 */
export function readSentinelSeverity(prop: Prop | undefined): Severity | undefined | null {
  if (prop === undefined) return undefined;
  const level =
    typeof prop.value === 'string' ? LEVELS.get(prop.value.trim().toLowerCase()) : undefined;
  if (level !== undefined) return level;
  const fix = prop.value === 'Critical' ? ' Sentinel has no "Critical"; send "High".' : '';
  prop.at.error(`must be one of High, Medium, Low, Informational; got ${got(prop.value)}.${fix}`);
  return null;
}
