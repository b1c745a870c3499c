#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: correlation allocates many short-lived objects, and letting them
// die young keeps full garbage collections (and the latency spikes they cause) rare.
import { readFileSync } from 'node:fs';
import { formatDiagnostic } from '../shared/diagnostics.js';
import { DefinitionError, isCordonError } from '../shared/errors.js';
import {
  AUDIT_USAGE,
  DEMO_USAGE,
  GRAPH_USAGE,
  INGEST_USAGE,
  PARSE_USAGE,
  PLAN_USAGE,
  REPLAY_USAGE,
  EVAL_USAGE,
  START_USAGE,
  TEST_USAGE,
  VALIDATE_USAGE,
} from './usage.js';

const USAGE = `Usage: cordon <command> [--help]

Commands:
  start              Run every role (API, correlator, runner, worker) on embedded defaults
  validate [dir]     Check correlations/, connectors/ and playbooks/ under dir (default .)
  test [dir]         Run the rule and playbook tests (*.test.yaml) under dir/correlations
                     and dir/playbooks
  graph <playbook>   Print a playbook as a Mermaid state diagram
  plan <playbook> --incident <file.json>
                     Show every path a run can take and the calls each makes, performing none
  parse --source <type> <file>
                     Show the canonical events a payload, log or .http.txt request turns into
                     (or the located reasons it is refused); --list shows every source type
  ingest --follow <path> --format <type>
                     Tail a log file into a running Cordon (servers that only write logs)
  replay [--content dir] [--json] [--workers n] <file.ndjson|dir|->
                     Run recorded canonical events through the rules offline
  eval [--content dir] [--label field] [--json] <labelled.ndjson|->
                     Precision, recall and ROC AUC of the rules on labelled events
  audit verify [--file f] [--expect-head seq:sha256] [--json]
                     Check the audit trail's hash chain (in Redis, or an export); exit 1 naming
                     the first bad entry
  audit export       Write the audit trail as NDJSON to stdout, its head to stderr
  demo [--scenario s] [--speed n] [--duration t] [--no-auto-approve] [--no-console]
                     Cordon with a simulated AI platform under attack, narrated in the
                     terminal and shown in the browser console (terminal only: --no-console)
  help [command]     Show this help, or a command's
  version            Show the version (also --version, -v)

Configuration is read from the environment; see README.md "Configuration".`;

const COMMAND_USAGE: Readonly<Record<string, string>> = {
  start: START_USAGE,
  validate: VALIDATE_USAGE,
  test: TEST_USAGE,
  graph: GRAPH_USAGE,
  plan: PLAN_USAGE,
  replay: REPLAY_USAGE,
  eval: EVAL_USAGE,
  parse: PARSE_USAGE,
  ingest: INGEST_USAGE,
  audit: AUDIT_USAGE,
  demo: DEMO_USAGE,
};

const isHelp = (arg: string | undefined): boolean => arg === '--help' || arg === '-h';

function version(): string {
  // dist/cli/main.js → the package's own package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const usage = command === undefined ? undefined : COMMAND_USAGE[command];
  if (usage && rest.some(isHelp)) {
    console.log(usage);
    return 0;
  }
  switch (command) {
    // Each command loads its own modules, so --version and --help answer at once.
    case 'start':
      return (await import('./start.js')).runStart(rest);
    case 'validate':
    case 'test': {
      const dir = folderArg(command, rest);
      if (dir === undefined) return 2;
      return command === 'validate'
        ? (await import('./validate.js')).runValidate(dir)
        : (await import('./test.js')).runTest(dir);
    }
    case 'graph':
      return (await import('./graph.js')).runGraph(rest);
    case 'plan':
      return (await import('./plan.js')).runPlan(rest);
    case 'eval':
      return (await import('./eval.js')).runEval(rest);
    case 'replay':
      return (await import('./replay.js')).runReplay(rest);
    case 'ingest':
      return (await import('./ingest.js')).runIngest(rest);
    case 'parse':
      return (await import('./parse.js')).runParse(rest);
    case 'version':
    case '--version':
    case '-v':
      console.log(`cordon ${version()}`);
      return 0;
    case 'audit':
      return (await import('./audit.js')).runAudit(rest);
    case 'demo':
      return (await import('./demo.js')).runDemoCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      // `cordon help --help` asks for this help too.
      const asked = isHelp(rest[0]) ? undefined : rest[0];
      const topic = asked === undefined ? undefined : COMMAND_USAGE[asked];
      if (asked !== undefined && !topic) {
        console.error(await unknownCommand('no command', asked));
        return 2;
      }
      console.log(topic ?? USAGE);
      return 0;
    }
    default:
      console.error(await unknownCommand('unknown command', command));
      return 2;
  }
}

/** What to say about a command that is not one: the closest one when it looks like a typo. */
async function unknownCommand(what: string, command: string): Promise<string> {
  const { suggest } = await import('../shared/shape.js');
  const hint = suggest(command, [...Object.keys(COMMAND_USAGE), 'help', 'version']);
  return hint
    ? `cordon: ${what} "${command}". Did you mean "${hint}"? (cordon --help lists the commands.)`
    : `cordon: ${what} "${command}".\n\n${USAGE}`;
}

/**
 * The one folder `validate` and `test` take (default: the current one), or undefined after
 * saying what is wrong: an option would otherwise be taken for a folder that does not exist.
 */
function folderArg(command: string, args: readonly string[]): string | undefined {
  const option = args.find((a) => a.startsWith('-'));
  const problem =
    option !== undefined
      ? `unknown option "${option}"`
      : args.length > 1
        ? `name one folder (got ${args.map((a) => `"${a}"`).join(', ')})`
        : undefined;
  if (problem === undefined) return args[0] ?? '.';
  console.error(`cordon ${command}: ${problem}.\n\n${COMMAND_USAGE[command] ?? USAGE}`);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof DefinitionError) {
      console.error(`cordon: ${err.diagnostics.length} problem(s) in the definitions:`);
      for (const d of err.diagnostics) console.error(`  ${formatDiagnostic(d)}`);
    } else if (isCordonError(err)) {
      console.error(`cordon: ${err.message} [${err.code}]`);
    } else if (isMissingFile(err)) {
      // A file named on the command line that is not there: said plainly, no stack trace.
      console.error(`cordon: ${err.path}: no such file or directory.`);
    } else {
      console.error('cordon: unexpected error:', err);
    }
    // Exit now: a failed start must not linger on open handles.
    process.exit(1);
  },
);

/** A Node file-system error for a path that does not exist. */
function isMissingFile(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && e.code === 'ENOENT' && typeof e.path === 'string';
}
