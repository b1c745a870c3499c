import { useState } from 'preact/hooks';
import { Empty, LoadError, Loading } from '../components/states';
import { Time } from '../components/time';
import { useConsole } from '../lib/context';
import { useLoad } from '../lib/use-load';
import type { DeadLetter, SourceSummary } from '../lib/types';

export function SourcesPage() {
  const { api } = useConsole();
  const [sources, reload] = useLoad('sources', () =>
    api.get<{ sources: SourceSummary[] }>('/v1/sources'),
  );
  return (
    <section>
      <h1>Sources</h1>
      {sources.state === 'loading' ? (
        <Loading what="sources" />
      ) : sources.state === 'error' ? (
        <LoadError what="sources" error={sources.error} retry={reload} />
      ) : sources.data.sources.length === 0 ? (
        <Empty title="No sources are configured." />
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Sources and their counts</caption>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Type</th>
                <th scope="col">Accepted</th>
                <th scope="col">Duplicates</th>
                <th scope="col">Refused</th>
                <th scope="col">Dead letters</th>
                <th scope="col">Last accepted</th>
              </tr>
            </thead>
            <tbody>
              {sources.data.sources.map((s) => (
                <tr key={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>{s.type}</td>
                  <td class="num">{s.accepted ?? 0}</td>
                  <td class="num">{s.duplicates ?? 0}</td>
                  <td class="num">{s.refused ?? 0}</td>
                  <td class="num">{s.deadLetters ?? 0}</td>
                  <td>
                    <Time at={s.lastAcceptedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <DeadLetters />
    </section>
  );
}

function DeadLetters() {
  const { api } = useConsole();
  const [letters, reload] = useLoad('deadletters', () =>
    api.get<{ deadLetters: DeadLetter[] }>('/v1/deadletters?limit=50'),
  );
  return (
    <section aria-labelledby="dead-letters">
      <h2 id="dead-letters">Dead letters</h2>
      {letters.state === 'loading' ? (
        <Loading what="dead letters" />
      ) : letters.state === 'error' ? (
        <LoadError what="dead letters" error={letters.error} retry={reload} />
      ) : letters.data.deadLetters.length === 0 ? (
        <Empty title="No dead letters.">
          <p>Payloads Cordon refuses are kept here with the reason and where in the body it was.</p>
        </Empty>
      ) : (
        <ul class="cards">
          {letters.data.deadLetters.map((d) => (
            <DeadLetterCard key={d.id} letter={d} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DeadLetterCard(props: { letter: DeadLetter }) {
  const { api } = useConsole();
  const d = props.letter;
  const [body, setBody] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  return (
    <li class="card">
      <h3>
        {d.source}: {d.reason}
      </h3>
      <p class="meta">
        <Time at={d.received} /> · {d.contentType ?? 'unknown type'} · {d.size ?? '?'} bytes · from{' '}
        {d.principal ?? '?'}
      </p>
      <ul>
        {d.errors.map((e, i) => (
          <li key={i}>
            <code>{e.path || '/'}</code> {e.reason}
          </li>
        ))}
      </ul>
      {body === undefined ? (
        <button
          type="button"
          onClick={() => {
            api
              .get<DeadLetter>(`/v1/deadletters/${encodeURIComponent(d.id)}`)
              .then((full) => setBody(full.body ?? ''))
              .catch((err: unknown) =>
                setProblem(err instanceof Error ? err.message : String(err)),
              );
          }}
        >
          Show the raw body
        </button>
      ) : (
        <pre class="code" aria-label="Raw body">
          {body}
          {d.truncated ? '\n… (truncated when stored)' : ''}
        </pre>
      )}
      {problem && (
        <p class="form-error" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}
