import { useEffect, useRef, useState } from 'preact/hooks';
import { StatusBadge } from '../components/badges';
import { PlaybookGraphView } from '../components/playbook-graph';
import { Empty, LoadError, Loading } from '../components/states';
import { Time } from '../components/time';
import { ApiError, errorText } from '../lib/api';
import { useConsole } from '../lib/context';
import { markStates, parseMermaid } from '../lib/graph';
import { canCancel, canRetry, canRetryUndo, failedUndos } from '../lib/roles';
import { Link } from '../lib/router';
import { absoluteUtc } from '../lib/time';
import { useLoad } from '../lib/use-load';
import type { Run, RunDetail, TimelineEntry } from '../lib/types';

/** One timeline entry in words: what happened, and who decided when a person did. */
export function describeEntry(t: TimelineEntry): string {
  const by = Array.isArray(t.by) ? t.by.join(', ') : t.by;
  switch (t.type) {
    case 'started':
      return `started at ${t.state ?? '?'}${typeof t.initiator === 'string' ? ` by ${t.initiator}` : ''}`;
    case 'transition':
      return `${t.from ?? '?'} → ${t.to ?? '?'} on ${t.event ?? '?'}${t.attempts ? ` after ${t.attempts} attempt${t.attempts > 1 ? 's' : ''}` : ''}${by ? ` (by ${by})` : ''}`;
    case 'action.queued':
      return `action of ${t.state ?? '?'} queued`;
    case 'approval.requested':
      return `approval requested at ${t.state ?? '?'}`;
    case 'ended':
      return `ended: ${t.outcome ?? '?'}`;
    case 'timer.set':
      return `timeout timer at ${t.state ?? '?'} set for ${typeof t.fireAt === 'number' ? absoluteUtc(t.fireAt, true) : '?'}`;
    case 'timer.cancelled':
      return 'timeout timer cancelled';
    case 'undo.started':
      return `undoing ${typeof t.effects === 'number' ? t.effects : 0} effect(s), newest first (${typeof t.reason === 'string' ? t.reason : 'cancelled'})`;
    case 'undo.succeeded':
    case 'undo.failed': {
      // What the undo decided (holds kept by another run, a retry on request) is its message.
      const what = `undo of ${t.state ?? '?'}${typeof t.operation === 'string' ? ` (${t.operation})` : ''}`;
      const failure = errorLine(t.error);
      const said = typeof t.message === 'string' ? `: ${t.message}` : '';
      const onExpiry = t.reason === 'expiry' && t.type === 'undo.failed' ? ' (on expiry)' : '';
      return t.type === 'undo.succeeded'
        ? `${what} done${said}`
        : `${what} failed${onExpiry}${failure ? `: ${failure}` : ''}${said}`;
    }
    case 'undo.retried':
      return typeof t.message === 'string' ? t.message : 'undo tried again';
    case 'expiry.set':
      return `expires: undone automatically at ${typeof t.fireAt === 'number' ? absoluteUtc(t.fireAt, true) : '?'}`;
    default: {
      // The page shows the type beside this: the rest of the entry's plain fields.
      return Object.entries(t)
        .filter(
          ([k, v]) =>
            !['at', 'type'].includes(k) && (typeof v === 'string' || typeof v === 'number'),
        )
        .map(([k, v]) =>
          k === 'fireAt' && typeof v === 'number'
            ? `${k} ${absoluteUtc(v, true)}`
            : `${k} ${String(v)}`,
        )
        .join(', ');
    }
  }
}

/** `CODE: message` of a timeline entry's error, if it has one. */
function errorLine(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const parts = [code, message].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join(': ') : undefined;
}

export function RunPage(props: { id: string }) {
  const { api, store } = useConsole();
  const live = store.runs.value.get(props.id);
  // Reload the detail (its timeline) whenever the stream says the run changed.
  const [detail, reload] = useLoad(`run:${props.id}:${live?.updatedAt ?? 0}`, () =>
    api.get<RunDetail>(`/v1/runs/${encodeURIComponent(props.id)}`),
  );
  const last = useRef<RunDetail | undefined>(undefined);
  if (detail.state === 'ready') last.current = detail.data;
  const shown = last.current;
  if (!shown) {
    if (detail.state === 'error')
      return <LoadError what={`run ${props.id}`} error={detail.error} retry={reload} />;
    return <Loading what="the run" />;
  }
  const run: RunDetail = { ...shown, ...(live && live.updatedAt > shown.updatedAt ? live : {}) };
  return (
    <article class="detail">
      <p class="crumbs">
        <Link href="/runs">Runs</Link> /
      </p>
      <h1>
        {run.playbookId} <span class="muted small">{run.id}</span>
      </h1>
      <p class="meta">
        <StatusBadge status={run.status} /> at <code>{run.state}</code> · started{' '}
        <Time at={run.createdAt} />
        {run.endedAt ? (
          <>
            {' '}
            · ended <Time at={run.endedAt} />
          </>
        ) : null}
        {run.incidentId && (
          <>
            {' '}
            · incident <Link href={`/incidents/${run.incidentId}`}>{run.incidentId}</Link>
          </>
        )}
      </p>
      <Controls run={run} onChanged={reload} />
      <section aria-labelledby="graph">
        <h2 id="graph">Playbook</h2>
        <Graph run={run} />
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        {run.timeline.length === 0 ? (
          <Empty title="Nothing happened yet." />
        ) : (
          <ol class="timeline">
            {run.timeline.map((t, i) => (
              <li key={i}>
                <Time at={t.at} /> <span class="kind">{t.type}</span> {describeEntry(t)}
              </li>
            ))}
          </ol>
        )}
      </section>
      {run.approvals.length > 0 && (
        <section aria-labelledby="decisions">
          <h2 id="decisions">Decisions</h2>
          <ul>
            {run.approvals.map((a) => (
              <li key={a.id}>
                <Link href={`/approvals/${a.id}`}>{a.state}</Link>:{' '}
                <StatusBadge status={a.status} />
                {(a.votes ?? []).map((v) => (
                  <span key={v.by}>
                    {' '}
                    · {v.decision} by <strong>{v.by}</strong> ({v.role}) <Time at={v.at} />
                    {v.comment ? `: “${v.comment}”` : ''}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

function Graph(props: { run: RunDetail }) {
  const { api } = useConsole();
  const { run } = props;
  const [graph] = useLoad(`graph:${run.playbookId}:${run.playbookHash}`, () =>
    api.get<{ mermaid: string }>(
      `/v1/playbooks/${encodeURIComponent(run.playbookId)}/graph?version=${run.playbookHash}&format=json`,
    ),
  );
  if (graph.state === 'loading') return <Loading what="the playbook graph" />;
  if (graph.state === 'error') return <LoadError what="the playbook graph" error={graph.error} />;
  return (
    <PlaybookGraphView
      graph={parseMermaid(graph.data.mermaid)}
      marks={markStates(run, run.timeline)}
    />
  );
}

/** Cancel (undoes effects: confirmed first, focus on "Keep running"), retry and retry of failed undos, by role. */
function Controls(props: { run: Run; onChanged(): void }) {
  const { api, me, store } = useConsole();
  const { run } = props;
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const keep = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  const cancel = canCancel(me, run);
  const retry = canRetry(me, run);
  const retryUndo = canRetryUndo(me, run);
  if (!cancel && !retry && !retryUndo) return null;
  const act = async (what: 'cancel' | 'retry' | 'retry-undo') => {
    setProblem(undefined);
    try {
      store.remember(
        'run',
        await api.post<Run>(`/v1/runs/${encodeURIComponent(run.id)}/${what}`, {}),
      );
      setConfirming(false);
      props.onChanged();
    } catch (err) {
      setProblem(err instanceof ApiError ? `${err.message} (${err.code})` : errorText(err));
    }
  };
  // Only effects in force are taken back by a cancel (one whose undo failed waits for a retry).
  const effects = (run.undo?.entries ?? []).filter(
    (e) => (e as { status?: unknown } | null)?.status === 'applied',
  ).length;
  return (
    <div class="actions">
      {cancel && !confirming && (
        <button type="button" class="danger" ref={opener} onClick={() => setConfirming(true)}>
          Cancel run…
        </button>
      )}
      {retry && (
        <button type="button" class="primary" onClick={() => void act('retry')}>
          Retry from the failed step
        </button>
      )}
      {retryUndo && (
        <button type="button" class="primary" onClick={() => void act('retry-undo')}>
          Try the failed undo{failedUndos(run) > 1 ? 's' : ''} again
        </button>
      )}
      {confirming && (
        <div
          role="alertdialog"
          aria-labelledby="cancel-title"
          class="confirm"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setConfirming(false);
              setTimeout(() => opener.current?.focus());
            }
          }}
        >
          <p id="cancel-title">
            Cancel run {run.id}? Its pending step is withdrawn
            {effects
              ? ` and its ${effects} effect${effects > 1 ? 's are' : ' is'} undone, newest first`
              : ''}
            .
          </p>
          <button type="button" ref={keep} onClick={() => setConfirming(false)}>
            Keep running
          </button>{' '}
          <button type="button" class="danger" onClick={() => void act('cancel')}>
            Cancel run{effects ? ' and undo' : ''}
          </button>
        </div>
      )}
      {problem && (
        <p class="form-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
