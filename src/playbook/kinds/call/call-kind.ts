import type { StateKind } from '../state-kind.js';

/**
 * `call`: another playbook as a sub-run with inputs and outputs. Reserved by the language; this
 * version recognises it and says it is not implemented yet, so a playbook using it is refused
 * with that reason rather than as malformed.
 */
export const callKind: StateKind = {
  key: 'call',
  notImplemented:
    "runs another playbook as a sub-run, which this version does not implement yet; until it does, copy the called playbook's states into this one",
  resting: 'running',
  validate: () => undefined,
  edges: () => [],
  compile: () => ({}),
};
