import { useState } from 'preact/hooks';
import { StatusBadge } from '../components/badges';
import { LoadError, Loading } from '../components/states';
import { Time, TimeLeft } from '../components/time';
import { ApiError, errorText } from '../lib/api';
import { useConsole } from '../lib/context';
import { whyNoDecision } from '../lib/roles';
import { Link } from '../lib/router';
import { useLoad } from '../lib/use-load';
import type { Approval } from '../lib/types';
import { actionWords } from './approvals';

/**
 * One approval: exactly what will happen (the bound action and its rendered inputs), why,
 * who asked, the quorum, the time left; approve or reject with a comment.
 */
export function ApprovalPage(props: { id: string }) {
  const { api, store, me } = useConsole();
  const [loaded, reload] = useLoad(`apr:${props.id}`, () =>
    api.get<Approval>(`/v1/approvals/${encodeURIComponent(props.id)}`),
  );
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [decided, setDecided] = useState<Approval | undefined>(undefined);
  if (loaded.state === 'loading') return <Loading what="the approval" />;
  if (loaded.state === 'error')
    return <LoadError what={`approval ${props.id}`} error={loaded.error} retry={reload} />;
  const live = store.approvals.value.get(props.id);
  const a: Approval = decided ??
    (live && live.status !== 'pending' ? live : undefined) ?? {
      ...loaded.data,
      ...live,
    };
  const blocked = whyNoDecision(me, a);
  const approvals = (a.votes ?? []).filter((v) => v.decision === 'approved').length;

  const decide = async (decision: 'approve' | 'reject'): Promise<void> => {
    const text = comment.trim();
    if (decision === 'reject' && !text) {
      setProblem('Say why you reject it: a comment is required to reject.');
      document.getElementById('comment')?.focus();
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const answer = await api.post<Approval>(
        `/v1/approvals/${encodeURIComponent(a.id)}/${decision}`,
        text ? { comment: text } : {},
      );
      setDecided(answer);
      store.remember('approval', answer);
    } catch (err) {
      setProblem(err instanceof ApiError ? `${err.message} (${err.code})` : errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="detail">
      <p class="crumbs">
        <Link href="/approvals">Approvals</Link> /
      </p>
      <h1>{a.status === 'pending' ? `Approve ${actionWords(a)}?` : actionWords(a)}</h1>
      <p class="meta">
        <StatusBadge status={a.status} /> asked <Time at={a.createdAt} />
        {a.status === 'pending' ? (
          <>
            {' '}
            · <TimeLeft until={a.expiresAt} /> before the playbook's timeout path
          </>
        ) : (
          a.decidedAt && (
            <>
              {' '}
              · decided <Time at={a.decidedAt} />
            </>
          )
        )}
      </p>
      <section aria-labelledby="what">
        <h2 id="what">What will happen</h2>
        {a.gated ? (
          <>
            <p>
              State <code>{a.gated.state}</code> runs <strong>{a.gated.operation}</strong> on
              connector <strong>{a.gated.connector}</strong> with exactly these inputs:
            </p>
            <dl class="pairs">
              {Object.entries(a.gated.inputs).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>
                    <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
                  </dd>
                </div>
              ))}
            </dl>
          </>
        ) : (
          <p>The run continues past {a.state}; no action is bound to this approval.</p>
        )}
      </section>
      <section aria-labelledby="why">
        <h2 id="why">Why</h2>
        {a.message && <p class="message">{a.message}</p>}
        <p>
          {a.incidentId && (
            <>
              Incident <Link href={`/incidents/${a.incidentId}`}>{a.incidentId}</Link> ·{' '}
            </>
          )}
          Run <Link href={`/runs/${a.runId}`}>{a.runId}</Link> of playbook {a.playbookId}
        </p>
      </section>
      <section aria-labelledby="who">
        <h2 id="who">Who</h2>
        <p>
          Asked by <code>{a.initiator ?? 'unknown'}</code>, who may not approve it. Needs {a.quorum}{' '}
          approval{a.quorum > 1 ? 's' : ''} from: {a.roles.join(', ')}.
        </p>
        <p>
          <label for="quorum">Quorum</label>{' '}
          <progress id="quorum" max={a.quorum} value={approvals}>
            {approvals} of {a.quorum}
          </progress>{' '}
          {approvals} of {a.quorum}
        </p>
        {(a.votes ?? []).length > 0 && (
          <ul>
            {(a.votes ?? []).map((v) => (
              <li key={v.by}>
                <strong>{v.by}</strong> ({v.role}) {v.decision} <Time at={v.at} />
                {v.comment && <>: “{v.comment}”</>}
              </li>
            ))}
          </ul>
        )}
      </section>
      {a.status === 'pending' && (
        <section aria-labelledby="decide">
          <h2 id="decide">Your decision</h2>
          {blocked ? (
            <p class="note">{blocked}</p>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void decide('approve');
              }}
            >
              <label for="comment">Comment (required to reject)</label>
              <textarea
                id="comment"
                rows={3}
                value={comment}
                maxLength={4000}
                aria-invalid={problem ? true : undefined}
                onInput={(e) => setComment(e.currentTarget.value)}
              />
              {problem && (
                <p class="form-error" role="alert">
                  {problem}
                </p>
              )}
              <div class="actions">
                <button type="submit" class="primary" disabled={busy}>
                  Approve: {actionWords(a)}
                </button>
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  onClick={() => void decide('reject')}
                >
                  Reject
                </button>
              </div>
            </form>
          )}
        </section>
      )}
      {decided && (
        <p class="note" role="status">
          You{' '}
          {decided.status === 'pending' ? 'voted; the quorum needs more approvers' : decided.status}{' '}
          this request. <Link href={`/runs/${a.runId}`}>Follow the run</Link>.
        </p>
      )}
    </article>
  );
}
