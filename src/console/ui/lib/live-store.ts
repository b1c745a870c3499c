import { computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import type { Api } from './api';
import type { SseMessage } from './sse';
import type { StreamStatus } from './stream';
import type { Approval, Incident, Run } from './types';

export type LiveKind = 'incident' | 'approval' | 'run';

/**
 * What the pages show live: incidents, approvals and runs by id, first from a list call, then
 * kept current by GET /v1/stream (each event carries the item as its list shows it). An item
 * the stream delivered is not overwritten by an older list answer.
 */
export interface LiveStore {
  readonly incidents: Signal<ReadonlyMap<string, Incident>>;
  readonly approvals: Signal<ReadonlyMap<string, Approval>>;
  readonly runs: Signal<ReadonlyMap<string, Run>>;
  readonly pendingCount: ReadonlySignal<number>;
  readonly status: Signal<StreamStatus>;
  readonly statusDetail: Signal<string | undefined>;
  readonly loaded: Signal<ReadonlySet<LiveKind>>;
  readonly loadError: Signal<string | undefined>;
  /** One polite summary of what the stream just brought ("2 new incidents"). */
  readonly announcement: Signal<string>;
  load(api: Api): Promise<void>;
  /** An item this tab just changed (a decision, a cancel): shown at once, stream or not. */
  remember(kind: LiveKind, item: Incident | Approval | Run): void;
  onMessage(message: SseMessage): void;
  dispose(): void;
}

type Item = Incident | Approval | Run;

export function createLiveStore(options: { announceAfterMs?: number } = {}): LiveStore {
  const incidents = signal<ReadonlyMap<string, Incident>>(new Map());
  const approvals = signal<ReadonlyMap<string, Approval>>(new Map());
  const runs = signal<ReadonlyMap<string, Run>>(new Map());
  const maps = { incident: incidents, approval: approvals, run: runs } as Record<
    LiveKind,
    Signal<ReadonlyMap<string, Item>>
  >;
  const streamed = new Set<string>();
  const loaded = signal<ReadonlySet<LiveKind>>(new Set());
  const announcement = signal('');
  const pending = { incident: 0, approval: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let api: Api | undefined;

  const announce = (): void => {
    timer = undefined;
    const parts: string[] = [];
    if (pending.incident)
      parts.push(`${pending.incident} new incident${pending.incident > 1 ? 's' : ''}`);
    if (pending.approval)
      parts.push(
        `${pending.approval} new approval${pending.approval > 1 ? 's' : ''} waiting for a decision`,
      );
    pending.incident = 0;
    pending.approval = 0;
    if (parts.length) announcement.value = parts.join(', ');
  };

  const upsert = (kind: LiveKind, item: Item, fromStream: boolean): void => {
    const key = `${kind}:${item.id}`;
    const current = maps[kind].value;
    if (!fromStream && streamed.has(key)) return;
    if (fromStream) {
      streamed.add(key);
      if (!current.has(item.id)) {
        if (kind === 'incident') pending.incident += 1;
        if (kind === 'approval' && (item as Approval).status === 'pending') pending.approval += 1;
        timer ??= setTimeout(announce, options.announceAfterMs ?? 1000);
      }
    }
    const next = new Map(current);
    next.set(item.id, item);
    maps[kind].value = next;
  };

  const loadKind = async <T extends Item>(kind: LiveKind, path: string, field: string) => {
    if (!api) return;
    const answer = await api.get<Record<string, T[]>>(path);
    const next = new Map(maps[kind].value);
    for (const item of answer[field] ?? [])
      if (!streamed.has(`${kind}:${item.id}`)) next.set(item.id, item);
    maps[kind].value = next;
    loaded.value = new Set([...loaded.value, kind]);
  };

  const store: LiveStore = {
    incidents,
    approvals,
    runs,
    pendingCount: computed(
      () => [...approvals.value.values()].filter((a) => a.status === 'pending').length,
    ),
    status: signal<StreamStatus>('connecting'),
    statusDetail: signal<string | undefined>(undefined),
    loaded,
    loadError: signal<string | undefined>(undefined),
    announcement,
    async load(client) {
      api = client;
      try {
        await Promise.all([
          loadKind<Incident>('incident', '/v1/incidents?limit=200', 'incidents'),
          loadKind<Approval>('approval', '/v1/approvals?limit=200', 'approvals'),
          loadKind<Approval>('approval', '/v1/approvals?status=pending&limit=500', 'approvals'),
          loadKind<Run>('run', '/v1/runs?limit=200', 'runs'),
        ]);
        store.loadError.value = undefined;
      } catch (err) {
        store.loadError.value = err instanceof Error ? err.message : String(err);
      }
    },
    remember(kind, item) {
      const next = new Map(maps[kind].value);
      next.set(item.id, item);
      maps[kind].value = next;
    },
    onMessage(message) {
      if (message.event === 'reset') {
        // The resume point fell out of the server's retention: take the lists again.
        streamed.clear();
        if (api) void store.load(api);
        return;
      }
      if (message.event !== 'incident' && message.event !== 'approval' && message.event !== 'run')
        return;
      let item: unknown;
      try {
        item = JSON.parse(message.data);
      } catch {
        return;
      }
      if (typeof item === 'object' && item !== null && typeof (item as Item).id === 'string')
        upsert(message.event, item as Item, true);
    },
    dispose() {
      if (timer) clearTimeout(timer);
    },
  };
  return store;
}
