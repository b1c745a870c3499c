/**
 * Every error code Cordon emits, with the HTTP status it maps to (when it reaches the API)
 * and what it means. Codes are stable: once retired, a code is never reused.
 * `test/unit/shared/error-codes.test.ts` checks that every code used in `src/` is listed here.
 */
export const ERROR_CODES = {
  // CONFIG: environment and token files, checked once at start-up.
  CORDON_ERR_CONFIG_INVALID: {
    status: 500,
    description: 'An environment variable or config file has an invalid value.',
  },
  CORDON_ERR_CONFIG_REDIS_UNAVAILABLE: {
    status: 503,
    description: 'No Redis could be reached or started.',
  },

  // YAML: syntax problems common to every definition file.
  CORDON_ERR_YAML_SYNTAX: { status: 400, description: 'The file is not valid YAML.' },
  CORDON_ERR_YAML_DUPLICATE_KEY: { status: 400, description: 'A mapping repeats a key.' },
  CORDON_ERR_YAML_NOT_MAPPING: {
    status: 400,
    description: 'A document or node must be a mapping.',
  },
  CORDON_ERR_YAML_READ: { status: 500, description: 'A definition file could not be read.' },

  // DEFINITION: shape checks shared by rules, playbooks and connectors.
  CORDON_ERR_DEFINITION_REQUIRED: { status: 400, description: 'A required key is missing.' },
  CORDON_ERR_DEFINITION_UNKNOWN_KEY: {
    status: 400,
    description: 'A key is not part of the format.',
  },
  CORDON_ERR_DEFINITION_TYPE: { status: 400, description: 'A value has the wrong type.' },
  CORDON_ERR_DEFINITION_VALUE: {
    status: 400,
    description: 'A value is out of range or malformed.',
  },
  CORDON_ERR_DEFINITION_DUPLICATE: {
    status: 400,
    description: 'Two definitions share a name or id.',
  },
  CORDON_ERR_DEFINITION_INVALID: {
    status: 400,
    description: 'A set of definitions has errors (see details.diagnostics).',
  },

  // RULE: correlations/*.yaml.
  CORDON_ERR_RULE_DETECTION: { status: 400, description: 'A Sigma detection block is malformed.' },
  CORDON_ERR_RULE_CONDITION: {
    status: 400,
    description: 'A Sigma condition expression is malformed.',
  },
  CORDON_ERR_RULE_MODIFIER: { status: 400, description: 'A field modifier is unknown or misused.' },
  CORDON_ERR_RULE_UNKNOWN_REFERENCE: {
    status: 400,
    description: 'A correlation references a rule that does not exist.',
  },
  CORDON_ERR_RULE_UNSUPPORTED: {
    status: 400,
    description: 'A rule uses a feature this version does not implement yet.',
  },
  CORDON_ERR_RULE_FIELD: {
    status: 400,
    description: 'A field name maps to no canonical event path.',
  },
  CORDON_WARN_RULE_NEVER_MATCHES: {
    status: 400,
    description:
      'A rule can never match a Cordon event (e.g. its logsource category is not an event kind).',
  },
  CORDON_WARN_RULE_UNNAMED: {
    status: 400,
    description: 'A rule has neither name nor id; it is referred to by a key made from its title.',
  },
  CORDON_ERR_RULE_CYCLE: {
    status: 400,
    description: 'Correlations reference each other in a cycle (the path is given).',
  },
  CORDON_WARN_RULE_UNUSED: {
    status: 400,
    description: 'A search identifier or alias is defined but never used.',
  },
  CORDON_ERR_RULE_PLACEHOLDER: {
    status: 400,
    description:
      'An expand value names a placeholder no processing pipeline gives values (vars + value_placeholders).',
  },
  CORDON_WARN_RULE_EVERY_KIND: {
    status: 400,
    description:
      'A keyword rule names a product or service but no category, so it searches every event kind.',
  },
  CORDON_WARN_RULE_SKIPPED_BY_PIPELINE: {
    status: 400,
    description:
      "A processing pipeline's rule_failure selects the rule, its detection_item_failure one of the rule's detection items, or its strict_field_mapping_failure finds a field no item renamed, so it is not loaded.",
  },

  // PIPELINE: correlations/**/*.pipeline.yaml (pySigma processing pipelines).
  CORDON_ERR_PIPELINE_UNSUPPORTED: {
    status: 400,
    description:
      'A pipeline uses a transformation or condition type this version does not implement.',
  },
  CORDON_WARN_PIPELINE_IGNORED: {
    status: 400,
    description:
      "A pipeline's postprocessing or finalizers shape a backend's query; Cordon builds none and ignores them.",
  },

  // PLAYBOOK: playbooks/*.yaml.
  CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET: {
    status: 400,
    description: 'A transition points at a state that does not exist.',
  },
  CORDON_ERR_PLAYBOOK_UNREACHABLE: {
    status: 400,
    description: 'A state cannot be reached from the start state.',
  },
  CORDON_ERR_PLAYBOOK_STATE_KIND: {
    status: 400,
    description: 'A state does not declare exactly one kind.',
  },
  CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION: {
    status: 400,
    description: 'An action names an operation no connector type offers.',
  },
  CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR: {
    status: 400,
    description: 'An action names a connector that is not configured.',
  },
  CORDON_ERR_PLAYBOOK_INPUT: {
    status: 400,
    description: 'An action input is missing, unknown or of the wrong type.',
  },
  CORDON_ERR_PLAYBOOK_TEMPLATE: {
    status: 400,
    description: 'A {{ template }} is malformed or names an unknown root.',
  },
  CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION: {
    status: 400,
    description: 'A mutating action is neither behind an approval nor marked automatic.',
  },
  CORDON_ERR_PLAYBOOK_NO_END: {
    status: 400,
    description: 'A state has no way to reach an end state.',
  },
  CORDON_ERR_PLAYBOOK_TRIGGER: {
    status: 400,
    description:
      'The `on` trigger names an unknown correlation or severity, or a tags, source or group filter is malformed or names a field the triggering rules do not group by.',
  },
  CORDON_ERR_PLAYBOOK_UNDO: {
    status: 400,
    description: 'An action asks to be undone (expires, undo_on_reject) but declares no undo.',
  },
  CORDON_ERR_PLAYBOOK_PARALLEL: {
    status: 400,
    description: 'A parallel state has malformed branches, a clashing name or an unusable join.',
  },
  CORDON_ERR_PLAYBOOK_CALL: {
    status: 400,
    description:
      'A call state names an unknown playbook, closes a call cycle, nests calls too deep, or passes inputs the called playbook does not declare.',
  },
  CORDON_ERR_PLAYBOOK_UNSUPPORTED: {
    status: 400,
    description: 'A playbook uses a state kind this version does not implement yet.',
  },
  CORDON_ERR_PLAYBOOK_EXPRESSION: {
    status: 400,
    description:
      'A CEL expression (a choice condition, a wait time, a computed ${{ }} value) does not parse or does not type-check against incident.*, steps.*, run.* and the input it feeds.',
  },
  CORDON_WARN_PLAYBOOK_ACTION_LOOP: {
    status: 400,
    description: 'Actions and choices form a loop with no approval or wait on it.',
  },
  CORDON_WARN_PLAYBOOK_UNDO_NOT_REVERSE: {
    status: 400,
    description: "An action's undo is a change of its own, not the operation's reverse.",
  },
  CORDON_WARN_PLAYBOOK_NO_UNDO: {
    status: 400,
    description: 'A reversible action declares no undo.',
  },
  CORDON_WARN_PLAYBOOK_TRIGGER_TAG: {
    status: 400,
    description:
      "A tag in a playbook trigger's any-of list is carried by none of its rules: it never decides anything (the others still can).",
  },
  CORDON_WARN_PLAYBOOK_ADHOC_INCIDENT: {
    status: 400,
    description:
      'A playbook that declares inputs (so it can be started by hand without an incident) reads incident.*, which has no value in such a run.',
  },

  // CONNECTOR: connectors/*.yaml.
  CORDON_ERR_CONNECTOR_TYPE: { status: 400, description: 'A connector names an unknown type.' },
  CORDON_ERR_CONNECTOR_SECRET: {
    status: 400,
    description: 'A secret reference is inline, malformed or cannot be resolved.',
  },
  CORDON_ERR_CONNECTOR_ROUTE: {
    status: 400,
    description:
      'A route connector names an unknown operation or connector, lists one that does not offer its operations, or loops.',
  },

  // AUDIT: the hash-chained audit trail.
  CORDON_ERR_AUDIT_CONTENDED: {
    status: 503,
    description: 'Other processes kept appending to the audit trail; the entry was not written.',
  },
  CORDON_ERR_AUDIT_BROKEN: {
    status: 500,
    description: 'The audit trail head is missing while entries exist; nothing more is appended.',
  },

  // API: HTTP requests.
  CORDON_ERR_API_UNAUTHENTICATED: {
    status: 401,
    description: 'No valid bearer token was presented.',
  },
  CORDON_ERR_API_FORBIDDEN: {
    status: 403,
    description: 'The token is valid but lacks the role this endpoint needs.',
  },
  CORDON_ERR_API_NOT_FOUND: { status: 404, description: 'The resource does not exist.' },
  CORDON_ERR_API_INVALID_REQUEST: {
    status: 400,
    description: 'A parameter or body field is invalid.',
  },
  CORDON_ERR_API_CONFLICT: {
    status: 409,
    description: 'The request conflicts with the current state of the resource.',
  },
  CORDON_ERR_API_UNAVAILABLE: {
    status: 503,
    description:
      'A dependency (Redis) is unavailable, or the process is stopping; retry after Retry-After seconds.',
  },
  CORDON_ERR_API_RATE_LIMITED: {
    status: 429,
    description: 'The principal sent more requests than its rate; retry after Retry-After seconds.',
  },
  CORDON_ERR_API_STREAM_LIMIT: {
    status: 429,
    description:
      'The principal already has CORDON_STREAMS_PER_PRINCIPAL open GET /v1/stream connections.',
  },
  CORDON_ERR_API_BODY_TOO_LARGE: {
    status: 413,
    description:
      'A request body other than ingest is larger than the API limit (64 KiB); API bodies are small JSON documents.',
  },
  CORDON_ERR_API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description:
      'A request body other than ingest is not JSON; send Content-Type: application/json.',
  },
  CORDON_ERR_API_URI_TOO_LONG: {
    status: 414,
    description:
      'A path segment of the URL is longer than the API takes (1024 characters); no parameter is that long.',
  },
  CORDON_ERR_API_INTERNAL: {
    status: 500,
    description: 'An unexpected error; the log has the details.',
  },

  // INGEST: POST /v1/ingest/{source}.
  CORDON_ERR_INGEST_UNKNOWN_SOURCE: {
    status: 404,
    description: 'No source connector has that name.',
  },
  CORDON_ERR_INGEST_INVALID_PAYLOAD: {
    status: 400,
    description: 'The payload failed to parse or validate; it was dead-lettered.',
  },
  CORDON_ERR_INGEST_BODY_TOO_LARGE: {
    status: 413,
    description: 'The body exceeds the ingest size limit.',
  },
  CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The Content-Type is not one this source accepts.',
  },
  CORDON_ERR_INGEST_NOT_REPLICATED: {
    status: 503,
    description:
      'CORDON_INGEST_ACK_REPLICAS is set and too few Redis replicas acknowledged the append in time; retry (event ids deduplicate).',
  },
  CORDON_ERR_INGEST_BACKPRESSURE: {
    status: 503,
    description:
      'Correlation lags too far behind the log; nothing was accepted, retry after Retry-After seconds.',
  },
  CORDON_ERR_INGEST_BUSY: {
    status: 503,
    description:
      "The ingest worker threads' queue is full; nothing was accepted, retry after Retry-After seconds.",
  },
  CORDON_ERR_INGEST_WORKER_FAILED: {
    status: 503,
    description:
      'The ingest worker thread reading the body stopped (it was replaced); nothing was accepted, retry.',
  },

  // APPROVAL: POST /v1/approvals/{id}/approve|reject.
  CORDON_ERR_APPROVAL_NOT_PENDING: {
    status: 409,
    description: 'The approval was already decided or has expired.',
  },
  CORDON_ERR_APPROVAL_ROLE: {
    status: 403,
    description: 'The caller holds none of the roles the approval requires.',
  },

  // ACTION: job execution (reported in run timelines, not over HTTP).
  CORDON_ERR_ACTION_INPUT: {
    status: 400,
    description: 'Action inputs are invalid after templating; not retried.',
  },
  CORDON_ERR_ACTION_CONNECTOR: {
    status: 500,
    description: 'The connector named by an action is missing or of the wrong type; not retried.',
  },
  CORDON_ERR_ACTION_APPROVAL_MISMATCH: {
    status: 409,
    description: 'Action inputs differ from what the approver approved; not run.',
  },
  CORDON_ERR_ACTION_TIMEOUT: {
    status: 504,
    description: 'The action exceeded its timeout; retried per its policy.',
  },
  CORDON_ERR_EFFECT_NOT_REPLICATED: {
    status: 503,
    description:
      "CORDON_EFFECT_ACK_REPLICAS is set and too few Redis replicas acknowledged an effects ledger record in time; the step's attempt fails without acting twice and is retried per its policy.",
  },
  CORDON_ERR_ACTION_FAILED: { status: 502, description: 'The connector reported a failure.' },
  CORDON_ERR_ACTION_REJECTED: {
    status: 502,
    description: 'The remote system refused the request (4xx other than 401/403/429); not retried.',
  },
  CORDON_ERR_ACTION_UNAUTHORIZED: {
    status: 502,
    description: 'The remote system refused the connector credentials (401/403); not retried.',
  },
  CORDON_ERR_ACTION_UNAVAILABLE: {
    status: 503,
    description: 'The remote system was unreachable, throttled (429) or failing (5xx); retried.',
  },
  CORDON_ERR_ACTION_HOST_REFUSED: {
    status: 403,
    description:
      "A request's host is not in the connector's allow_hosts, or it redirected; not sent.",
  },
  CORDON_ERR_ACTION_RESPONSE: {
    status: 502,
    description: 'The remote system answered with a body the operation cannot use; not retried.',
  },

  // RUN: playbook run bookkeeping.
  CORDON_ERR_RUN_PLAYBOOK_MISSING: {
    status: 500,
    description: 'A run references a playbook version that is no longer stored.',
  },
  CORDON_ERR_RUN_STATE: {
    status: 409,
    description:
      'The run is not in a state that allows this (cancel: already ended or undoing; retry: not failed at an action).',
  },
  CORDON_ERR_RUN_START: {
    status: 400,
    description:
      'POST /v1/runs cannot start the playbook as asked: without an incident, only a playbook that declares inputs can run (ad hoc).',
  },
  CORDON_ERR_RUN_INPUTS: {
    status: 400,
    description:
      "POST /v1/runs inputs do not fit the playbook's inputs: declaration (an unknown input, or a required one missing).",
  },
  CORDON_ERR_RUN_IDEMPOTENCY: {
    status: 409,
    description:
      'The Idempotency-Key already started a run of another playbook or incident; use a new key for a different start.',
  },
  CORDON_ERR_RUN_CALL: {
    status: 500,
    description:
      'A call state could not start its sub-run (playbook or pinned version not found, inputs not renderable, calls nested too deep), or the sub-run did not resolve (failed, cancelled, timed out).',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
