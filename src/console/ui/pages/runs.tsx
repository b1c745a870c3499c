import { useState } from 'preact/hooks';
import { StatusBadge } from '../components/badges';
import { Empty, LoadError, Loading } from '../components/states';
import { Time } from '../components/time';
import { useConsole } from '../lib/context';
import { Link } from '../lib/router';
import type { Run, RunStatus } from '../lib/types';

const STATUSES: RunStatus[] = ['running', 'waiting', 'undoing', 'resolved', 'failed', 'cancelled'];

export function RunsPage() {
  const { store } = useConsole();
  const [wanted, setWanted] = useState<ReadonlySet<RunStatus>>(new Set());
  const loaded = store.loaded.value.has('run');
  const all = [...store.runs.value.values()];
  const rows = all.filter((r) => wanted.size === 0 || wanted.has(r.status));
  const toggle = (s: RunStatus) => {
    const next = new Set(wanted);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    setWanted(next);
  };
  return (
    <section>
      <h1>Runs</h1>
      <fieldset class="filters">
        <legend>Status (none checked: all)</legend>
        {STATUSES.map((s) => (
          <label key={s} class="check">
            <input type="checkbox" checked={wanted.has(s)} onChange={() => toggle(s)} /> {s} (
            {all.filter((r) => r.status === s).length})
          </label>
        ))}
      </fieldset>
      {store.loadError.value && !loaded ? (
        <LoadError what="runs" error={store.loadError.value} />
      ) : !loaded ? (
        <Loading what="runs" />
      ) : rows.length === 0 ? (
        <Empty title={all.length ? 'No runs with these statuses.' : 'No playbook runs yet.'}>
          <p>Runs start when an incident matches a playbook's trigger, or by POST /v1/runs.</p>
        </Empty>
      ) : (
        <RunsTable runs={rows} />
      )}
    </section>
  );
}

export function RunsTable(props: { runs: Run[] }) {
  const rows = [...props.runs].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">Playbook runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">At state</th>
            <th scope="col">Incident</th>
            <th scope="col">Started</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/runs/${r.id}`}>{r.playbookId}</Link>
                <div class="muted small">{r.id}</div>
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>
                <code>{r.state}</code>
              </td>
              <td>
                {r.incidentId ? (
                  <Link href={`/incidents/${r.incidentId}`}>{r.incidentId}</Link>
                ) : (
                  'ad hoc'
                )}
              </td>
              <td>
                <Time at={r.createdAt} />
              </td>
              <td>
                <Time at={r.updatedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
