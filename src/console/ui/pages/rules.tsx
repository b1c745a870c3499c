import { SeverityBadge } from '../components/badges';
import { Sparkline } from '../components/sparkline';
import { Empty, LoadError, Loading } from '../components/states';
import { useConsole } from '../lib/context';
import { Link } from '../lib/router';
import { useLoad } from '../lib/use-load';
import type { RuleSummary } from '../lib/types';

export function RulesPage() {
  const { api } = useConsole();
  const [rules, reload] = useLoad('rules', () => api.get<{ rules: RuleSummary[] }>('/v1/rules'));
  return (
    <section>
      <h1>Rules</h1>
      {rules.state === 'loading' ? (
        <Loading what="rules" />
      ) : rules.state === 'error' ? (
        <LoadError what="rules" error={rules.error} retry={reload} />
      ) : rules.data.rules.length === 0 ? (
        <Empty title="No correlation rules are loaded.">
          <p>Rules are YAML files under correlations/ in Cordon's content directory.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Correlation rules, most hits first</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Level</th>
                <th scope="col">Type</th>
                <th scope="col">Hits</th>
                <th scope="col">Incidents</th>
                <th scope="col">Last 24 h</th>
              </tr>
            </thead>
            <tbody>
              {[...rules.data.rules]
                .sort((a, b) => (b.hits ?? 0) - (a.hits ?? 0) || a.id.localeCompare(b.id))
                .map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link href={`/rules/${encodeURIComponent(r.id)}`}>{r.title}</Link>
                      <div class="muted small">{r.id}</div>
                    </td>
                    <td>{r.level ? <SeverityBadge severity={r.level} /> : '—'}</td>
                    <td>{r.type ?? '—'}</td>
                    <td class="num">{r.hits ?? 0}</td>
                    <td class="num">{r.incidents ?? 0}</td>
                    <td>
                      {r.sparkline ? (
                        <Sparkline values={r.sparkline} bucketMs={r.sparklineBucketMs} />
                      ) : (
                        '—'
                      )}
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
