import { setOwn } from '../../normalizers/json-values.js';

/**
 * Builds an event's `labels` (string values) and `measures` (finite numbers). Empty strings,
 * null and absent values are skipped, so a label's presence means the sender said something.
 */
export class EventMaps {
  readonly labels: Record<string, string> = {};
  readonly measures: Record<string, number> = {};

  /** Strings as sent; numbers and booleans as their JSON text (`64500`, `true`). */
  label(key: string, value: unknown): void {
    if (typeof value === 'string') {
      if (value.trim() !== '') setOwn(this.labels, key, value);
    } else if (
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean'
    ) {
      setOwn(this.labels, key, String(value));
    }
  }

  measure(key: string, value: unknown): void {
    if (typeof value === 'number' && Number.isFinite(value)) setOwn(this.measures, key, value);
  }
}
