import { EventChart } from '../components/event-chart';
import { SeverityBadge, StatusBadge } from '../components/badges';
import { Empty, LoadError, Loading } from '../components/states';
import { Time } from '../components/time';
import { useState } from 'preact/hooks';
import { ApiError, errorText } from '../lib/api';
import { useConsole } from '../lib/context';
import { evidenceView } from '../lib/evidence';
import { canResolveIncidents } from '../lib/roles';
import { Link } from '../lib/router';
import { useLoad } from '../lib/use-load';
import type {
  ContributingEvent,
  Incident,
  IncidentDetail,
  IncidentEvidence,
  RuleDetail,
} from '../lib/types';
import { RunsTable } from './runs';

/** "atlas.AML.T0024.002" → the ATLAS technique id "AML.T0024.002". */
export function atlasTechniques(tags: readonly string[] | undefined): string[] {
  return (tags ?? [])
    .map((t) => /^atlas\.(AML\.T\d{4}(?:\.\d{3})?)$/i.exec(t)?.[1])
    .filter((t): t is string => t !== undefined);
}

export function IncidentPage(props: { id: string }) {
  const { api, store, me } = useConsole();
  const [detail, reload] = useLoad(`inc:${props.id}`, () =>
    api.get<IncidentDetail>(`/v1/incidents/${encodeURIComponent(props.id)}`),
  );
  if (detail.state === 'loading') return <Loading what="the incident" />;
  if (detail.state === 'error')
    return <LoadError what={`incident ${props.id}`} error={detail.error} retry={reload} />;
  // The list item from the stream is newer than this page's first answer.
  const incident = { ...detail.data, ...store.incidents.value.get(props.id) };
  const runs = [...store.runs.value.values()].filter((r) => r.incidentId === incident.id);
  const techniques = atlasTechniques(incident.tags);
  return (
    <article class="detail">
      <p class="crumbs">
        <Link href="/incidents">Incidents</Link> /
      </p>
      <h1>{incident.title}</h1>
      <p class="meta">
        <SeverityBadge severity={incident.severity} /> <StatusBadge status={incident.status} />{' '}
        opened <Time at={incident.createdAt} />, last event <Time at={incident.lastSeen} />
      </p>
      <section aria-labelledby="who">
        <h2 id="who">Who</h2>
        <dl class="pairs">
          {Object.entries(incident.group ?? {}).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>
                <code>{v}</code>
              </dd>
            </div>
          ))}
          <div>
            <dt>matches</dt>
            <dd>{incident.matchCount ?? '—'}</dd>
          </div>
          <div>
            <dt>events</dt>
            <dd>{incident.eventCount ?? '—'}</dd>
          </div>
        </dl>
        {incident.containment && <p class="note">{incident.containment}</p>}
      </section>
      <section aria-labelledby="rule">
        <h2 id="rule">Rule</h2>
        <p>
          <Link href={`/rules/${encodeURIComponent(incident.rule)}`}>
            {incident.ruleTitle ?? incident.rule}
          </Link>{' '}
          <span class="muted">
            ({incident.rule}
            {incident.ruleType ? `, ${incident.ruleType}` : ''})
          </span>
        </p>
        {techniques.length > 0 && (
          <p>
            ATLAS:{' '}
            {techniques.map((t, i) => (
              <span key={t}>
                {i > 0 && ', '}
                <a
                  href={`https://atlas.mitre.org/techniques/${t}`}
                  rel="noreferrer"
                  target="_blank"
                >
                  {t}
                </a>
              </span>
            ))}
          </p>
        )}
        <RuleYaml rule={incident.rule} />
      </section>
      {incident.status === 'open' && canResolveIncidents(me) && <Resolve id={incident.id} />}
      <Evidence id={incident.id} />
      <section aria-labelledby="runs">
        <h2 id="runs">Runs</h2>
        {runs.length ? (
          <RunsTable runs={runs} />
        ) : (
          <Empty title="No playbook runs for this incident.">
            <p>
              {incident.containment ??
                'No playbook trigger matches this rule and severity, or its run has not started yet.'}
            </p>
          </Empty>
        )}
      </section>
    </article>
  );
}

function RuleYaml(props: { rule: string }) {
  const { api } = useConsole();
  const [rule] = useLoad(`rule:${props.rule}`, () =>
    api.get<RuleDetail>(`/v1/rules/${encodeURIComponent(props.rule)}`),
  );
  if (rule.state !== 'ready' || !rule.data.yaml)
    return rule.state === 'error' ? (
      <p class="muted">The rule's YAML is not available: {rule.error}</p>
    ) : null;
  return (
    <details>
      <summary>The rule's YAML ({rule.data.file ?? props.rule})</summary>
      <pre class="code">{rule.data.yaml}</pre>
    </details>
  );
}

function Evidence(props: { id: string }) {
  const { api } = useConsole();
  const [evidence, reload] = useLoad(`events:${props.id}`, () =>
    api
      .get<IncidentEvidence>(`/v1/incidents/${encodeURIComponent(props.id)}/events`)
      .then(evidenceView),
  );
  return (
    <section aria-labelledby="evidence">
      <h2 id="evidence">Evidence</h2>
      {evidence.state === 'loading' ? (
        <Loading what="the contributing events" />
      ) : evidence.state === 'error' ? (
        <LoadError what="the contributing events" error={evidence.error} retry={reload} />
      ) : (
        <>
          {evidence.data.matches.map((m) => (
            <EventChart key={m.matchId} match={m} />
          ))}
          <EventsTable events={evidence.data.events} />
          {(evidence.data.missing > 0 || evidence.data.truncated) && (
            <p class="muted">
              {evidence.data.missing > 0 &&
                `${evidence.data.missing} contributing events are no longer kept (retention). `}
              {evidence.data.truncated && 'More events contributed than are listed here.'}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function EventsTable(props: { events: ContributingEvent[] }) {
  const [all, setAll] = useState(false);
  if (!props.events.length) return <Empty title="No contributing events are stored any more." />;
  const shown = props.events.slice(0, all ? 1000 : 10);
  return (
    <div class="table-wrap">
      <table>
        <caption>
          Contributing events{' '}
          {props.events.length > shown.length
            ? `(first ${shown.length} of ${props.events.length})`
            : `(${props.events.length})`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Entity</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e, i) => (
            <tr key={e.ref || i}>
              <td>
                <Time at={e.time} />
              </td>
              <td>{e.kind ?? '—'}</td>
              <td>{e.name ?? '—'}</td>
              <td class="small">
                {Object.entries(e.entity ?? {})
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length < props.events.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {props.events.length} events
        </button>
      )}
    </div>
  );
}

/** Close the incident (responders): the next match of its rule and group opens a new one. */
function Resolve(props: { id: string }) {
  const { api, store } = useConsole();
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <details class="resolve">
      <summary>Resolve this incident</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const text = comment.trim();
          if (!text) {
            setProblem('Say how it was handled: a comment is required to resolve.');
            return;
          }
          setBusy(true);
          setProblem(undefined);
          api
            .post<Incident>(`/v1/incidents/${encodeURIComponent(props.id)}/resolve`, {
              comment: text,
            })
            .then((resolved) => store.remember('incident', resolved))
            .catch((err: unknown) =>
              setProblem(err instanceof ApiError ? `${err.message} (${err.code})` : errorText(err)),
            )
            .finally(() => setBusy(false));
        }}
      >
        <label for="resolve-comment">How was it handled? (required)</label>
        <textarea
          id="resolve-comment"
          rows={2}
          maxLength={4000}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
        {problem && (
          <p class="form-error" role="alert">
            {problem}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Resolve incident
          </button>
        </div>
      </form>
    </details>
  );
}
