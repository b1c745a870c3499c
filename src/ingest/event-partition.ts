import type { CanonicalEvent, EntityField } from './canonical-event.js';
import { ENTITY_FIELDS, PRIMARY_ENTITY } from './canonical-event.js';

/**
 * Which event-log partition an event goes to (CORDON_EVENT_LOG_PARTITIONS): the one place this
 * is decided. Each source partitions by a key, by default the event's primary entity (the
 * first of canonical-event.ts's PRIMARY_ENTITY it has, as detections group by), or by the entity field its
 * connector names (`partition_by: entity.<field>`); the partition is a hash of the key mod N.
 *
 * Dedupe stays exact because the key is part of the event: a resend of an event (same source,
 * same id, same content) carries the same key, so it lands in the partition whose dedupe
 * memory holds its id. An event without the key field is placed by its id, which a resend
 * also repeats. What is not deduplicated across partitions is a *different* event that reuses
 * an id with another key value — the sender's contract is that an id names one event.
 */

/** A connector's `partition_by:` values. */
export const PARTITION_FIELDS: readonly string[] = ENTITY_FIELDS.map((f) => `entity.${f}`);

/** The entity field named by a valid `partition_by:` value. */
export function partitionField(value: string): EntityField | undefined {
  return PARTITION_FIELDS.includes(value)
    ? (value.slice('entity.'.length) as EntityField)
    : undefined;
}

/** The event's partition key, hashed (FNV-1a, 32 bits): `route % N` is its partition. */
export function partitionRoute(event: CanonicalEvent, field?: EntityField): number {
  const entity = event.entity;
  let key: string | undefined;
  if (field !== undefined) key = entity[field];
  else
    for (const f of PRIMARY_ENTITY) {
      const v = entity[f];
      if (typeof v === 'string' && v !== '') {
        key = `${f}=${v}`;
        break;
      }
    }
  if (field !== undefined && key !== undefined) key = `${field}=${key}`;
  return fnv1a(key ?? `id=${event.id}`);
}

export function partitionOf(route: number, partitions: number): number {
  return partitions <= 1 ? 0 : route % partitions;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
