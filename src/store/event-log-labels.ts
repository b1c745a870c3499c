/**
 * Labels the log stores by reference to the event's own `raw`. A shipper's document (an ECS
 * `_bulk` document above all) is kept whole as `raw`, and many of the event's labels are
 * copies of its fields (`labels.message` is `raw.message`, `labels.event_action` is
 * `raw.event.action` …): ~300 of a Filebeat event's ~1,200 stored bytes. Bytes cost Redis
 * CPU per event (passing them through the append script and growing the stream, ~8 ns a byte),
 * so a label whose value `raw` holds verbatim is stored as an index into RAW_LABELS in the
 * entry's `lx` member, and the log's reader puts it back (restoreRawLabels).
 *
 * Exact by construction: the writer stores an index only when `rawLabelText` of the raw value
 * at that path equals the label, and the reader computes the same function on the same raw
 * (stored in the same entry, never removed apart from it). Nothing depends on how a
 * normaliser made the label, so normalisers may change freely.
 *
 * RAW_LABELS is append-only: an index written to a log means its (label, path) for ever.
 */
export const RAW_LABELS: readonly (readonly [label: string, path: readonly string[]])[] = [
  ['message', ['message']],
  ['event_kind', ['event', 'kind']],
  ['event_category', ['event', 'category']],
  ['event_type', ['event', 'type']],
  ['event_action', ['event', 'action']],
  ['event_dataset', ['event', 'dataset']],
  ['event_module', ['event', 'module']],
  ['event_provider', ['event', 'provider']],
  ['event_reason', ['event', 'reason']],
  ['event_code', ['event', 'code']],
  ['event_severity', ['event', 'severity']],
  ['ecs_version', ['ecs', 'version']],
  ['source_port', ['source', 'port']],
  ['source_domain', ['source', 'domain']],
  ['destination_ip', ['destination', 'ip']],
  ['destination_port', ['destination', 'port']],
  ['user_id', ['user', 'id']],
  ['user_email', ['user', 'email']],
  ['user_domain', ['user', 'domain']],
  ['service_name', ['service', 'name']],
  ['service_version', ['service', 'version']],
  ['http_method', ['http', 'request', 'method']],
  ['url_domain', ['url', 'domain']],
  ['observer_vendor', ['observer', 'vendor']],
  ['observer_product', ['observer', 'product']],
  ['trace_id', ['trace', 'id']],
  ['span_id', ['span', 'id']],
  ['transaction_id', ['transaction', 'id']],
  ['rule_id', ['rule', 'id']],
  ['rule_name', ['rule', 'name']],
  ['log_level', ['log', 'level']],
  ['error_type', ['error', 'type']],
  ['error_code', ['error', 'code']],
  ['error_message', ['error', 'message']],
  ['log', ['log']],
  ['stream', ['stream']],
  ['tags', ['tags']],
  ['k8s_namespace', ['kubernetes', 'namespace_name']],
  ['k8s_pod', ['kubernetes', 'pod_name']],
  ['k8s_container', ['kubernetes', 'container_name']],
];

/** Label name -> its RAW_LABELS index. */
const INDEX = new Map(RAW_LABELS.map(([label], i) => [label, i]));

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The text a label referring to `path` stands for: a string as it is, a number or boolean as
 * String() writes it, a list of those joined with ","; undefined for anything else.
 */
export function rawLabelText(raw: unknown, path: readonly string[]): string | undefined {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (!Array.isArray(value)) return scalarText(value);
  // ECS keyword lists mostly hold one value (event.category, event.type).
  if (value.length === 1) return scalarText(value[0]);
  const parts: string[] = [];
  for (const item of value as unknown[]) {
    const text = scalarText(item);
    if (text === undefined) return undefined;
    parts.push(text);
  }
  return parts.join(',');
}

/**
 * `labels` split into the RAW_LABELS indexes of those `raw` holds verbatim and the others, in
 * their order (undefined: raw holds none). One pass, and `kept` a plain object: a
 * null-prototype one is a dictionary to V8, several times slower to serialise.
 */
export function splitRawLabels(
  labels: Readonly<Record<string, string>> | undefined,
  raw: unknown,
): { readonly indexes: number[]; readonly kept: Record<string, string> } | undefined {
  if (labels === undefined || typeof raw !== 'object' || raw === null) return undefined;
  const keys = Object.keys(labels);
  let indexes: number[] | undefined;
  for (let k = 0; k < keys.length; k += 1) {
    const label = keys[k] as string;
    const i = INDEX.get(label);
    if (i === undefined) continue;
    const path = (RAW_LABELS[i] as (typeof RAW_LABELS)[number])[1];
    if (rawLabelText(raw, path) === labels[label]) (indexes ??= []).push(i);
  }
  if (indexes === undefined) return undefined;
  const kept: Record<string, string> = {};
  let next = 0;
  for (let k = 0; k < keys.length; k += 1) {
    const label = keys[k] as string;
    if (
      next < indexes.length &&
      label === (RAW_LABELS[indexes[next] as number] as (typeof RAW_LABELS)[number])[0]
    ) {
      next += 1;
      continue;
    }
    // A sender's label named __proto__ is an own member, as in the labels.
    if (label === '__proto__')
      Object.defineProperty(kept, label, {
        value: labels[label],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else kept[label] = labels[label] as string;
  }
  return { indexes, kept };
}

/** The RAW_LABELS indexes of `labels` that `raw` holds verbatim (undefined: none). */
export function rawLabelIndexes(
  labels: Readonly<Record<string, string>> | undefined,
  raw: unknown,
): number[] | undefined {
  return splitRawLabels(labels, raw)?.indexes;
}

/** Member name of the stored entry's index list. */
export const RAW_LABELS_MEMBER = 'lx';

/** A stored event as read back, before its labels are whole again. */
interface Restorable {
  labels?: Record<string, string>;
  raw?: unknown;
  lx?: unknown;
}

/** Puts back the labels an entry stored by reference (`lx`), and removes `lx`. */
export function restoreRawLabels(event: Restorable): void {
  const indexes = event.lx;
  if (indexes === undefined) return;
  delete event.lx;
  if (!Array.isArray(indexes)) return;
  const labels = (event.labels ??= {});
  for (const i of indexes as unknown[]) {
    const entry = typeof i === 'number' ? RAW_LABELS[i] : undefined;
    if (entry === undefined) continue;
    const text = rawLabelText(event.raw, entry[1]);
    if (text !== undefined) labels[entry[0]] = text;
  }
}
