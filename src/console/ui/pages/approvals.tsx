import { useState } from 'preact/hooks';
import { StatusBadge } from '../components/badges';
import { Empty, LoadError, Loading } from '../components/states';
import { Time, TimeLeft } from '../components/time';
import { useConsole } from '../lib/context';
import { Link } from '../lib/router';
import type { Approval } from '../lib/types';

/** The bound action in a few words: "ticket.open on cases". */
export function actionWords(a: Approval): string {
  return a.gated ? `${a.gated.operation} on ${a.gated.connector}` : `continue past ${a.state}`;
}

export function ApprovalsPage() {
  const { store } = useConsole();
  const [status, setStatus] = useState<'pending' | ''>('pending');
  const loaded = store.loaded.value.has('approval');
  const rows = [...store.approvals.value.values()]
    .filter((a) => !status || a.status === status)
    .sort((a, b) => b.createdAt - a.createdAt);
  return (
    <section>
      <h1>Approvals</h1>
      <div class="filters" role="group" aria-label="Show">
        <button
          type="button"
          aria-pressed={status === 'pending'}
          onClick={() => setStatus('pending')}
        >
          Pending ({store.pendingCount.value})
        </button>
        <button type="button" aria-pressed={status === ''} onClick={() => setStatus('')}>
          All
        </button>
      </div>
      {store.loadError.value && !loaded ? (
        <LoadError what="approvals" error={store.loadError.value} />
      ) : !loaded ? (
        <Loading what="approvals" />
      ) : rows.length === 0 ? (
        <Empty title={status ? 'Nothing waits for a decision.' : 'No approvals yet.'}>
          <p>
            A playbook asks here before a step that needs a person. New requests appear live, and
            the count beside Approvals shows them on every page.
          </p>
        </Empty>
      ) : (
        <ul class="cards">
          {rows.map((a) => (
            <li key={a.id} class="card">
              <h2>
                <Link href={`/approvals/${a.id}`}>
                  {a.status === 'pending' ? 'Decide: ' : ''}
                  {actionWords(a)}
                </Link>
              </h2>
              <p>{a.message}</p>
              <p class="meta">
                <StatusBadge status={a.status} /> {a.playbookId} · asked <Time at={a.createdAt} />
                {a.status === 'pending' && (
                  <>
                    {' '}
                    · <TimeLeft until={a.expiresAt} />
                  </>
                )}{' '}
                · votes {(a.votes ?? []).filter((v) => v.decision === 'approved').length}/{a.quorum}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
