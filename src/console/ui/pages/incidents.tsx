import { useRef, useState } from 'preact/hooks';
import { SeverityBadge, StatusBadge } from '../components/badges';
import { Empty, LoadError, Loading } from '../components/states';
import { Time } from '../components/time';
import { useConsole } from '../lib/context';
import { Link } from '../lib/router';
import type { Incident } from '../lib/types';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'];

export interface IncidentFilter {
  status: string;
  severity: string;
  rule: string;
  entity: string;
}

/** Pure: the incidents a filter keeps, newest first. `entity` matches a group value or key=value. */
export function filterIncidents(items: Iterable<Incident>, f: IncidentFilter): Incident[] {
  const needle = f.entity.trim().toLowerCase();
  return [...items]
    .filter((i) => !f.status || i.status === f.status)
    .filter((i) => !f.severity || i.severity === f.severity)
    .filter((i) => !f.rule || i.rule === f.rule)
    .filter(
      (i) =>
        !needle ||
        Object.entries(i.group ?? {}).some(
          ([k, v]) => v.toLowerCase().includes(needle) || `${k}=${v}`.toLowerCase() === needle,
        ),
    )
    .sort((a, b) => b.createdAt - a.createdAt);
}

export function groupText(group: Record<string, string> | undefined): string {
  const entries = Object.entries(group ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '—';
}

/**
 * Incidents, live from the stream. While the pointer or focus is in the table, new incidents
 * wait behind a "N new" button so nothing moves under the reader.
 */
export function IncidentsPage() {
  const { store } = useConsole();
  const [filter, setFilter] = useState<IncidentFilter>({
    status: 'open',
    severity: '',
    rule: '',
    entity: '',
  });
  const [held, setHeld] = useState(false);
  const shown = useRef<Set<string> | undefined>(undefined);
  const all = store.incidents.value;
  const loaded = store.loaded.value.has('incident');
  // Rows on screen: every known incident unless held, then only those already shown.
  if (!held || !shown.current) shown.current = new Set(all.keys());
  const visible = [...all.values()].filter((i) => shown.current!.has(i.id));
  const waiting = all.size - visible.length;
  const rows = filterIncidents(visible, filter);
  const rules = [...new Set([...all.values()].map((i) => i.rule))].sort();
  const set = (field: keyof IncidentFilter) => (e: Event) =>
    setFilter({ ...filter, [field]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section>
      <h1>Incidents</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter incidents">
        <label>
          Status
          <select value={filter.status} onChange={set('status')}>
            <option value="">any</option>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <label>
          Severity
          <select value={filter.severity} onChange={set('severity')}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rule
          <select value={filter.rule} onChange={set('rule')}>
            <option value="">any</option>
            {rules.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Entity
          <input
            type="search"
            value={filter.entity}
            placeholder="key-demo or api_key=key-demo"
            onInput={set('entity')}
          />
        </label>
      </form>
      {waiting > 0 && (
        <button type="button" class="new-rows" onClick={() => setHeld(false)}>
          {waiting} new incident{waiting > 1 ? 's' : ''}: show
        </button>
      )}
      {store.loadError.value && !loaded ? (
        <LoadError what="incidents" error={store.loadError.value} />
      ) : !loaded ? (
        <Loading what="incidents" />
      ) : rows.length === 0 ? (
        <Empty title={all.size === 0 ? 'No incidents yet.' : 'No incidents match these filters.'}>
          {all.size === 0 ? (
            <p>
              Incidents open when a correlation rule matches ingested events (see{' '}
              <Link href="/rules">Rules</Link> and <Link href="/sources">Sources</Link>). This list
              updates live.
            </p>
          ) : (
            <p>{all.size} incidents are hidden by the filters above.</p>
          )}
        </Empty>
      ) : (
        <div
          class="table-wrap"
          onPointerEnter={() => setHeld(true)}
          onPointerLeave={() => setHeld(false)}
          onFocusIn={() => setHeld(true)}
          onFocusOut={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHeld(false);
          }}
        >
          <table>
            <caption class="sr-only">Incidents, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Incident</th>
                <th scope="col">Who</th>
                <th scope="col">Status</th>
                <th scope="col">Events</th>
                <th scope="col">Opened</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((i) => (
                <tr key={i.id}>
                  <td>
                    <SeverityBadge severity={i.severity} />
                  </td>
                  <td>
                    <Link href={`/incidents/${i.id}`}>{i.title}</Link>
                    <div class="muted small">{i.rule}</div>
                  </td>
                  <td>{groupText(i.group)}</td>
                  <td>
                    <StatusBadge status={i.status} />
                  </td>
                  <td class="num">{i.eventCount ?? '—'}</td>
                  <td>
                    <Time at={i.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
