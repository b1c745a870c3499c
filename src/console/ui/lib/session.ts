/**
 * The signed-in token: taken from the sign-in link's fragment (`#token=…`, never sent to a
 * server) and then removed from the address bar, or pasted; kept in sessionStorage (this tab
 * only, gone when it closes).
 */
const KEY = 'cordon.token';

export interface SessionPlace {
  readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  readonly location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  readonly history: Pick<History, 'replaceState'>;
}

/** The token from the fragment (stored, then removed from the URL), else the stored one. */
export function takeToken(place: SessionPlace): string | undefined {
  const fragment = new URLSearchParams(place.location.hash.replace(/^#/, ''));
  const fromLink = fragment.get('token')?.trim();
  if (fromLink) {
    place.storage.setItem(KEY, fromLink);
    fragment.delete('token');
    const rest = fragment.toString();
    place.history.replaceState(
      null,
      '',
      `${place.location.pathname}${place.location.search}${rest ? `#${rest}` : ''}`,
    );
    return fromLink;
  }
  return place.storage.getItem(KEY) ?? undefined;
}

export function saveToken(place: SessionPlace, token: string): void {
  place.storage.setItem(KEY, token);
}

export function forgetToken(place: SessionPlace): void {
  place.storage.removeItem(KEY);
}
