import type { StateKind } from '../state-kind.js';

/**
 * `parallel`: branches joined on all or any. Reserved by the language; this version recognises
 * it and says it is not implemented yet (runs move one state at a time).
 */
export const parallelKind: StateKind = {
  key: 'parallel',
  notImplemented:
    'runs branches at the same time, which this version does not implement yet; until it does, run the branches one after the other',
  resting: 'running',
  validate: () => undefined,
  edges: () => [],
  compile: () => ({}),
};
