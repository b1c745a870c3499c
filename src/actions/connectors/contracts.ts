import type { InputSpec } from '../operations.js';
import type { OperationContract } from './connector-type.js';

/**
 * Contracts several connector types implement, so a playbook moves from the built-in limiter
 * to Kong (or from built-in cases to Jira) by changing `connector:` only.
 */
const reason: InputSpec = {
  type: 'text',
  required: false,
  description: 'Shown to operators and in the history.',
};

export const RATELIMIT_SET: OperationContract = {
  name: 'ratelimit.set',
  description: 'Throttle (N requests per period) or block a key where traffic flows.',
  mutating: true,
  reversibleBy: 'ratelimit.clear',
  inputs: {
    key: {
      type: 'string',
      required: true,
      description: 'The key to limit: an API key id (built-in) or a Kong consumer.',
    },
    limit: {
      type: 'rate',
      required: true,
      description: '`<count>/<unit>` such as `10/m`, or `block` (built-in only).',
    },
    expires: {
      type: 'duration',
      required: false,
      description: 'Lift the limit automatically after this long (e.g. `1h`).',
    },
    reason,
  },
};

export const RATELIMIT_CLEAR: OperationContract = {
  name: 'ratelimit.clear',
  description: 'Remove a limit set on a key (as an undo: restore the limit it replaced).',
  mutating: true,
  inputs: {
    key: { type: 'string', required: true, description: 'The key whose limit to remove.' },
    reason: { type: 'text', required: false, description: 'Shown in the limiter history.' },
  },
};

export const KEY_BLOCK: OperationContract = {
  name: 'key.block',
  description:
    "Refuse every request of a key (built-in limiter) or disable a consumer's key-auth credentials (Kong).",
  mutating: true,
  reversibleBy: 'key.unblock',
  inputs: {
    key: {
      type: 'string',
      required: true,
      description: 'An API key id (built-in) or a Kong consumer.',
    },
    reason,
  },
};

export const KEY_UNBLOCK: OperationContract = {
  name: 'key.unblock',
  description: 'Lift a block (Kong: restore the credentials key.block disabled).',
  mutating: true,
  inputs: KEY_BLOCK.inputs,
};

export const TICKET_OPEN: OperationContract = {
  name: 'ticket.open',
  description: 'Open a case/ticket; with `dedupe`, an existing one for the same key is reused.',
  mutating: false,
  inputs: {
    summary: { type: 'text', required: true, description: 'One-line title.' },
    description: { type: 'text', required: false, description: 'Body text.' },
    severity: {
      type: 'severity',
      required: false,
      description: 'info, low, medium, high or critical.',
    },
    dedupe: {
      type: 'string',
      required: false,
      description: 'Key that identifies one ticket across retries and runs.',
    },
  },
};
