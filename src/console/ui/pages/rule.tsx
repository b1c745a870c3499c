import { SeverityBadge } from '../components/badges';
import { Sparkline } from '../components/sparkline';
import { LoadError, Loading } from '../components/states';
import { useConsole } from '../lib/context';
import { Link } from '../lib/router';
import { useLoad } from '../lib/use-load';
import type { RuleDetail } from '../lib/types';
import { atlasTechniques } from './incident';

export function RulePage(props: { id: string }) {
  const { api, store } = useConsole();
  const [rule, reload] = useLoad(`rule:${props.id}`, () =>
    api.get<RuleDetail>(`/v1/rules/${encodeURIComponent(props.id)}`),
  );
  if (rule.state === 'loading') return <Loading what="the rule" />;
  if (rule.state === 'error')
    return <LoadError what={`rule ${props.id}`} error={rule.error} retry={reload} />;
  const r = rule.data;
  const incidents = [...store.incidents.value.values()].filter((i) => i.rule === r.id);
  return (
    <article class="detail">
      <p class="crumbs">
        <Link href="/rules">Rules</Link> /
      </p>
      <h1>{r.title}</h1>
      <p class="meta">
        {r.level && <SeverityBadge severity={r.level} />} {r.id} · {r.type} · {r.hits ?? 0} hits ·{' '}
        {r.incidents ?? 0} incidents{' '}
        {r.sparkline && <Sparkline values={r.sparkline} bucketMs={r.sparklineBucketMs} />}
      </p>
      {atlasTechniques(r.tags).length > 0 && <p>ATLAS: {atlasTechniques(r.tags).join(', ')}</p>}
      {incidents.length > 0 && (
        <p>
          Open incidents:{' '}
          {incidents.slice(0, 10).map((i, n) => (
            <span key={i.id}>
              {n > 0 && ', '}
              <Link href={`/incidents/${i.id}`}>{i.title}</Link>
            </span>
          ))}
        </p>
      )}
      {r.yaml && (
        <>
          <h2>{r.file ?? 'YAML'}</h2>
          <pre class="code">{r.yaml}</pre>
        </>
      )}
      <h2>Rule tests</h2>
      {r.tests?.length ? (
        <ul>
          {r.tests.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      ) : (
        <p>No rule test checks this rule (see "Rule tests and replays" in the README).</p>
      )}
    </article>
  );
}
