/** Each command's --help text (kept apart from the commands so help loads nothing else). */

export const START_USAGE = `Usage: cordon start

Runs every role (API, correlator, playbook runner, action worker) in this process until
SIGINT/SIGTERM, which drain in-flight work first. Content (correlations/, connectors/,
playbooks/) is read from CORDON_CONTENT_DIR (default: the current folder). Redis: REDIS_URL if
set, else one answering on 127.0.0.1:6379, else a private redis-server from PATH (data in
.cordon/redis). Tokens are generated on first start into .cordon/ (credentials.env).
CORDON_ROLES=api,correlator,runner,worker (any subset) splits the roles across processes.
Every setting is an environment variable; see README.md "Configuration".`;

export const VALIDATE_USAGE = `Usage: cordon validate [dir]

Checks every file under dir's correlations/, connectors/ and playbooks/ (dir defaults to the
current folder) as \`cordon start\` would load them, and prints each problem with
file:line:column, its code and how to fix it. Exit 0 when they load (warnings allowed), 1 on
errors or when dir is missing or holds none of those folders.`;

export const TEST_USAGE = `Usage: cordon test [dir]

Runs the rule tests (*.test.yaml) beside the rules under dir/correlations (or dir itself when
it has no correlations/; dir defaults to the current folder): each test feeds events through
the rules in memory and checks the matches. Then runs the playbook tests beside the playbooks
under dir/playbooks (<id>.test.yaml): each puts an incident in, stubs connector replies, scripts
approvals and clock advances, and checks the path and the calls, with a fake clock and no Redis.
Exit 0 when every test passes, 1 otherwise.`;

export const GRAPH_USAGE = `Usage: cordon graph <playbook> [--content <dir>]

Prints the playbook (its id under <dir>/playbooks, or a playbook file) as a Mermaid
stateDiagram-v2: every transition labelled (choice conditions, approved / rejected / timeout,
wait timers, failures), approvals and automatic mutations marked. Paste it into any Mermaid
renderer (GitHub renders \`\`\`mermaid blocks). Exit 1 when the playbook has errors.`;

export const PLAN_USAGE = `Usage: cordon plan <playbook> --incident <file.json | -> [--content <dir>] [--json]

Lists every path a run of the playbook can take for the incident in <file.json> (- reads it
from standard input; a JSON object with the incident's fields, as GET /v1/incidents/<id> shows
them) and, on each path, the exact
calls it would make: connector, operation and inputs rendered as the runner renders them, marked
AUTOMATIC or after which approval. Choices the incident decides are decided; approval outcomes,
waits, action failures and choices on step results are all listed. A call of another playbook
lists that sub-run's own paths and calls under it. Performs nothing and needs no Redis. --json
prints the plan as JSON.`;

export const REPLAY_USAGE = `Usage: cordon replay [--content <dir>] [--json] [--workers <n>] <file.ndjson | dir | ->

Runs recorded canonical events (one JSON object per line, as the generic source takes them;
"source" and "received" are kept) through the rules in memory, offline, and prints per-rule
hit counts and timing. With --json, prints one line per match on stdout. Parsing runs on
--workers threads (default: one per core, at most 8, one left idle while the thread that
applies the rules needs its core more; on one or two cores, none for an input under 24 MiB,
which the main thread routes in the same way; 0: none, every line read in full); the
matches are the same either way. An event with the source and id of one taken in within
CORDON_DEDUPE_WINDOW_MS before (by "received") is skipped as a duplicate, as ingest would
refuse it.`;

export const EVAL_USAGE = `Usage: cordon eval [--content <dir>] [--label <field>] [--json] <labelled.ndjson | ->

Replays labelled canonical events (as cordon replay takes them) through the rules and prints
precision, recall and ROC AUC per rule and for all rules. The label is a key of each line
beside the event's own (default "label": {"label":true,"kind":…}), taken off the line before
the event is read, or a path in the event (labels.attack). An event is labelled positive when
its label is present and not false, 0, "", "0", "false", "benign", "normal" or "none" (a line
without one is negative). An event is predicted positive when a
match lists it among its contributing events; its score is the highest anomaly score of the
matches listing it (1 for a match without one, 0 when none lists it), which ROC AUC ranks.`;

export const AUDIT_USAGE = `Usage: cordon audit verify [--file <trail.ndjson|->] [--expect-head <seq>:<sha256>] [--json]
       cordon audit export > trail.ndjson

verify walks the audit trail in Redis (REDIS_URL, CORDON_REDIS_PREFIX), or an exported copy
with --file, from its first entry and checks every link of the hash chain. Exits 0 when intact,
1 naming the first bad entry and the kind of tampering (edited, removed, reordered, inserted,
truncated), 2 on a usage error.
  --expect-head   a head printed by an earlier verify or export and kept outside Redis: also
                  catches a trail rewritten or cut together with its head
  --json          print the report as one JSON object
export writes the trail as it is stored, one entry per line, and its head to stderr.`;

export const PARSE_USAGE = `Usage: cordon parse --source <type> [--options <json>] [--content-type <type>] [--now <time>] [--pretty] <file | ->
       cordon parse --list

Shows what a payload, a log file or a raw HTTP request file (*.http.txt: request line, headers,
blank line, body — for signed or header-carrying senders) turns into as the source type <type>
(a connector type: cordon parse --list shows them all), offline, without Redis. Canonical
events are printed on stdout, one JSON object per line; warnings and every refused item with its
located reason on stderr. Exit 0 when everything was accepted, 1 when the body or any item was
refused, 2 on a usage error. --options takes the connector's options: as JSON; --now fixes the
receipt time (RFC 3339 or epoch ms) so year-less and missing times are reproducible. A source
type that enriches from the sender's API (whylabs with options.enrich) calls it as the live path
does; unreachable (offline), the events are printed labelled with why, and stderr says so.`;

export const INGEST_USAGE = `Usage: cordon ingest --follow <path> [--format <type>] [--source <name>] [--from-start] [--state <file>]
       cordon ingest <file> --source <name>
       common: [--url <cordon url>] [--token <ingest token>] [--batch <lines>] [--poll-ms <ms>]

For servers that only write logs (TorchServe, Triton): --follow tails <path> like tail -F
(across rotation and truncation; a path not there yet is waited for) and posts complete lines
in batches to <url>/v1/ingest/<source>. --source names the connector (default: the --format
type, for a connector named after its type). Without --from-start it begins at the file's end.
--state keeps the read position across restarts; lines are sent at least once and Cordon drops
resends. Batches Cordon asks to retry (429, 503, unreachable) are retried; refused ones (400)
are kept by Cordon as dead letters and not resent; a refused token (401, 403) ends it, exit 1.
  url    --url, else CORDON_URL, else http://127.0.0.1:$CORDON_PORT (default port 8080)
  token  --token, else CORDON_TOKEN, else CORDON_INGEST_TOKEN (the ingest token that
         \`source .cordon/credentials.env\` sets)`;

export const DEMO_USAGE = `Usage: cordon demo [--scenario all|<name>[,<name>…]] [--speed <n>] [--duration <time>]
                   [--no-auto-approve] [--port <n>] [--no-console] [--connectors builtin|fakes]

Starts Cordon (every role, the shipped content, Redis as cordon start finds it) with a simulated
AI platform beside it: benign inference, LLM and login traffic and scripted attacks played in
compressed time, behind a built-in gateway that asks Cordon's limiter before serving each
request. Prints one line per notable thing (scenario started, incident opened, playbook steps,
approvals, limits set, the gateway's served/refused counts each second), then a summary per
scenario: time from its first attack request to containment, and what the attacker got through
before and after. Exit 0 at the end; Ctrl-C ends early (summary printed, everything stopped).
  --scenario         all (default), or: extraction, stolen-key-new-region, drift-with-login-burst
  --speed            simulated time per wall time (default 10: a simulated minute each 6 s)
  --duration         how long it runs (default 2m; seconds or 90s, 2m, …)
  --no-auto-approve  leave approvals to you (the tokens are in .cordon/demo/credentials.env);
                     by default a scripted on-call engineer (and the stolen key's owner)
                     approves each request 3 s after it appears
  --port             API port (default CORDON_PORT, else 8080 when free, else any free port)
  --no-console       terminal only: no console port, no sign-in link (by default the console
                     is served on CORDON_CONSOLE_PORT, else 8081 when free, else any free port,
                     and a sign-in link for the on-call approver is printed)
  --connectors       builtin (default): playbooks act on Cordon's own limiter and case store;
                     fakes: local Kong Admin API, Jira Cloud and Slack webhook fakes start on
                     127.0.0.1, the kong, jira and slack connectors are enabled and pointed at
                     them, API keys are throttled and blocked at the fake Kong (its data plane
                     gates the platform) and tickets open in the fake Jira; the summary shows both
The demo keeps its data under the Redis prefix <CORDON_REDIS_PREFIX>-demo (default
cordon-demo), emptied when it starts and when it ends; its tokens are made for the run.
The gateway's limits run on the wall clock: a 10/m throttle lets 10 requests through per real
minute, which is --speed times tighter than in the compressed timeline.`;
