import { signal, type Signal } from '@preact/signals';
import { createContext, type ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';

/** Path routing over the History API (the console's server answers every path with the app). */
export interface Router {
  readonly path: Signal<string>;
  navigate(to: string): void;
  dispose(): void;
}

export function createRouter(
  win: Pick<Window, 'location' | 'history' | 'addEventListener' | 'removeEventListener'>,
): Router {
  const path = signal(win.location.pathname + win.location.search);
  const onPop = (): void => {
    path.value = win.location.pathname + win.location.search;
  };
  win.addEventListener('popstate', onPop);
  return {
    path,
    navigate(to) {
      if (to === path.value) return;
      win.history.pushState(null, '', to);
      path.value = to;
    },
    dispose: () => win.removeEventListener('popstate', onPop),
  };
}

export const RouterContext = createContext<Router | undefined>(undefined);

export function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter outside RouterContext');
  return router;
}

/** A real link (opens in a new tab with a modifier), navigated in place on a plain click. */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  'aria-current'?: 'page' | undefined;
}) {
  const router = useRouter();
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props['aria-current']}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        router.navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

/** Matches "/runs/:id"-style patterns; returns the parameters, or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const bare = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  const want = pattern.split('/');
  const have = bare.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return undefined;
  }
  return params;
}
