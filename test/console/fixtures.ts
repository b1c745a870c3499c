import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  Approval,
  Containment,
  DeadLetter,
  Incident,
  IncidentDetail,
  RunDetail,
} from '../../src/console/ui/lib/types';

/** API answers recorded from a real Cordon running the README quick-start. */
export interface QuickStart {
  incident: Incident;
  incidentDetail: IncidentDetail;
  approval: Approval;
  runWaiting: RunDetail;
  runResolved: RunDetail;
  graph: { playbook: string; hash: string; mermaid: string };
  deadLetters: { deadLetters: DeadLetter[] };
  deadLetter: DeadLetter;
}

export function quickStart(): QuickStart {
  return JSON.parse(
    // A path, not a URL object: happy-dom replaces the global URL in component tests.
    readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '../fixtures/console/quick-start.json'),
      'utf8',
    ),
  ) as QuickStart;
}

const MIN = 60_000;

/**
 * GET /v1/containment items as the contract describes them (written by hand: the endpoint is
 * newer than the recorded quick start), newest first, placed minutes before `now`. kong-prod
 * holds alice twice: the newest holder resolved (its limit expires), the older one cancelled
 * with its undo failed. The limiter throttles the quick start's key for the waiting run, with no
 * expiry; a resolved run keeps bob's LiteLLM key blocked for good; a failed run whose undo
 * failed keeps carol's API Gateway key blocked.
 */
export function containmentItems(now: number, runWaiting: string): Containment[] {
  return [
    {
      connector: 'kong-prod',
      type: 'kong',
      kind: 'ratelimit',
      key: 'alice',
      at: now - 5 * MIN,
      expiresAt: now + 55 * MIN,
      holders: [
        {
          run: 'run_kong_new',
          runStatus: 'resolved',
          effect: 'act_kong_new',
          at: now - 5 * MIN,
          expiresAt: now + 55 * MIN,
          undo: 'applied',
        },
        {
          run: 'run_kong_old',
          runStatus: 'cancelled',
          effect: 'act_kong_old',
          at: now - 30 * MIN,
          expiresAt: null,
          undo: 'undo-failed',
        },
      ],
      detail: '/v1/connectors/kong-prod/holds/alice',
    },
    {
      connector: null,
      type: 'builtin-limiter',
      kind: 'throttle',
      key: 'key-demo',
      at: now - 10 * MIN,
      expiresAt: null,
      holders: [
        {
          run: runWaiting,
          runStatus: 'waiting',
          effect: 'act_limiter',
          at: now - 10 * MIN,
          expiresAt: null,
          undo: 'applied',
        },
      ],
      detail: '/v1/limiter/keys/key-demo',
    },
    {
      connector: 'litellm-gw',
      type: 'litellm-proxy',
      kind: 'key',
      key: 'bob',
      at: now - 120 * MIN,
      expiresAt: null,
      holders: [
        {
          run: 'run_litellm',
          runStatus: 'resolved',
          effect: 'act_litellm',
          at: now - 120 * MIN,
          expiresAt: null,
          undo: 'applied',
        },
      ],
      detail: '/v1/connectors/litellm-gw/holds/bob',
    },
    {
      connector: 'aws-gw',
      type: 'aws-apigateway',
      kind: 'key',
      key: 'carol',
      at: now - 180 * MIN,
      expiresAt: null,
      holders: [
        {
          run: 'run_aws',
          runStatus: 'failed',
          effect: 'act_aws',
          at: now - 180 * MIN,
          expiresAt: null,
          undo: 'undo-failed',
        },
      ],
      detail: '/v1/connectors/aws-gw/holds/carol',
    },
  ];
}
