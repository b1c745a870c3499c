import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorText } from './api';

export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; error: string } | { state: 'ready'; data: T };

/** Loads once per key; `reload` loads again (keeping what is shown until the answer). */
export function useLoad<T>(key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setValue({ state: 'ready', data }),
      (err: unknown) => live && setValue({ state: 'error', error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [value, reload];
}
