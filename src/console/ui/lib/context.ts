import type { Signal } from '@preact/signals';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { LiveStore } from './live-store';
import type { WhoAmI } from './types';

/** What every page of a signed-in console reads. */
export interface ConsoleContext {
  readonly api: Api;
  readonly store: LiveStore;
  readonly me: WhoAmI;
  /** The clock, ticking so relative times and countdowns stay true. */
  readonly now: Signal<number>;
}

export const Ctx = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useConsole outside a signed-in console');
  return ctx;
}
