import { signal, useSignal } from '@preact/signals';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createApi, errorText, type Fetch } from './lib/api';
import { Ctx, useConsole, type ConsoleContext } from './lib/context';
import { createLiveStore } from './lib/live-store';
import { createRouter, Link, matchPath, RouterContext, useRouter } from './lib/router';
import { forgetToken, saveToken, takeToken, type SessionPlace } from './lib/session';
import { openStream } from './lib/stream';
import type { WhoAmI } from './lib/types';
import { canRead } from './lib/roles';
import { SignIn } from './pages/sign-in';
import { IncidentsPage } from './pages/incidents';
import { IncidentPage } from './pages/incident';
import { ApprovalsPage } from './pages/approvals';
import { ApprovalPage } from './pages/approval';
import { RunsPage } from './pages/runs';
import { RunPage } from './pages/run';
import { ContainmentPage } from './pages/containment';
import { RulesPage } from './pages/rules';
import { RulePage } from './pages/rule';
import { SourcesPage } from './pages/sources';
import { LoadError, Loading } from './components/states';

/** What the app needs from its page (injected, so component tests run it on a stub fetch). */
export interface AppEnv extends SessionPlace {
  readonly fetch: Fetch;
  readonly window: Pick<
    Window,
    'location' | 'history' | 'addEventListener' | 'removeEventListener'
  >;
  readonly now: () => number;
  /** How often relative times refresh (ms). */
  readonly tickMs?: number;
}

export function App(props: { env: AppEnv }) {
  const { env } = props;
  const router = useMemo(() => createRouter(env.window), [env]);
  const [token, setToken] = useState<string | undefined>(() => takeToken(env));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => () => router.dispose(), [router]);
  return (
    <RouterContext.Provider value={router}>
      {token ? (
        <SignedIn
          key={token}
          env={env}
          token={token}
          onSignOut={(why) => {
            forgetToken(env);
            setProblem(why);
            setToken(undefined);
          }}
        />
      ) : (
        <SignIn
          problem={problem}
          onToken={(t) => {
            saveToken(env, t);
            setProblem(undefined);
            setToken(t);
          }}
        />
      )}
    </RouterContext.Provider>
  );
}

function SignedIn(props: { env: AppEnv; token: string; onSignOut(why?: string): void }) {
  const { env, token } = props;
  const api = useMemo(() => createApi(token, env.fetch), [token, env]);
  const store = useMemo(() => createLiveStore(), []);
  const now = useMemo(() => signal(env.now()), [env]);
  const me = useSignal<WhoAmI | undefined>(undefined);
  const failure = useSignal<string | undefined>(undefined);

  useEffect(() => {
    let live = true;
    api.get<WhoAmI>('/v1/whoami').then(
      (who) => {
        if (!live) return;
        me.value = who;
        if (canRead(who)) void store.load(api);
      },
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401)
          props.onSignOut('Cordon did not accept that token. Check it and sign in again.');
        else failure.value = errorText(err);
      },
    );
    const stream = openStream({
      url: '/v1/stream',
      token,
      fetch: env.fetch,
      onMessage: (m) => store.onMessage(m),
      onStatus: (status, detail) => {
        store.status.value = status;
        store.statusDetail.value = detail;
      },
    });
    const tick = setInterval(() => (now.value = env.now()), env.tickMs ?? 5_000);
    return () => {
      live = false;
      stream.close();
      clearInterval(tick);
      store.dispose();
    };
  }, [api]);

  if (failure.value) return <LoadError what="who you are (GET /v1/whoami)" error={failure.value} />;
  if (!me.value) return <Loading what="your roles" />;
  const ctx: ConsoleContext = { api, store, me: me.value, now };
  return (
    <Ctx.Provider value={ctx}>
      <Shell onSignOut={() => props.onSignOut()} />
    </Ctx.Provider>
  );
}

const NAV = [
  { href: '/incidents', label: 'Incidents' },
  { href: '/approvals', label: 'Approvals' },
  { href: '/runs', label: 'Runs' },
  { href: '/containment', label: 'Containment' },
  { href: '/rules', label: 'Rules' },
  { href: '/sources', label: 'Sources' },
] as const;

const STATUS_WORD = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Not live',
} as const;

function Shell(props: { onSignOut(): void }) {
  const router = useRouter();
  const { store, me } = useConsole();
  const path = router.path.value;
  const pending = store.pendingCount.value;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Cordon</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  aria-current={path.startsWith(item.href) ? 'page' : undefined}
                >
                  {item.label}
                  {item.href === '/approvals' && pending > 0 && (
                    <span class="count" aria-label={`${pending} pending`}>
                      {pending}
                    </span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live live-${store.status.value}`} title={store.statusDetail.value ?? ''}>
          {STATUS_WORD[store.status.value]}
        </span>
        <span class="who" title={me.roles.join(', ')}>
          {me.principal}
        </span>
        <button type="button" class="quiet" onClick={() => props.onSignOut()}>
          Sign out
        </button>
      </header>
      <div class="sr-only" aria-live="polite" role="status">
        {store.announcement.value}
      </div>
      <main id="main" tabIndex={-1}>
        {!canRead(me) ? (
          <p class="state state-error" role="alert">
            Your token ({me.roles.join(', ')}) cannot read incidents, approvals or runs; the console
            needs analyst, approver or admin.
          </p>
        ) : (
          <Page path={path} />
        )}
      </main>
    </>
  );
}

function Page(props: { path: string }) {
  const { path } = props;
  let p: Record<string, string> | undefined;
  if ((p = matchPath('/incidents/:id', path))) return <IncidentPage id={p.id!} />;
  if ((p = matchPath('/approvals/:id', path))) return <ApprovalPage id={p.id!} />;
  if ((p = matchPath('/runs/:id', path))) return <RunPage id={p.id!} />;
  if ((p = matchPath('/rules/:id', path))) return <RulePage id={p.id!} />;
  if (matchPath('/approvals', path)) return <ApprovalsPage />;
  if (matchPath('/runs', path)) return <RunsPage />;
  if (matchPath('/containment', path)) return <ContainmentPage />;
  if (matchPath('/rules', path)) return <RulesPage />;
  if (matchPath('/sources', path)) return <SourcesPage />;
  if (matchPath('/incidents', path) || matchPath('/', path)) return <IncidentsPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No console page at {path}. <Link href="/incidents">Go to incidents</Link>.
      </p>
    </section>
  );
}
