#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: correlation allocates many short-lived objects, and letting them
// die young keeps full garbage collections (and the latency spikes they cause) rare.
import { formatDiagnostic } from '../shared/diagnostics.js';
import { DefinitionError, isCordonError } from '../shared/errors.js';
import { runAudit } from './audit.js';
import { runStart } from './start.js';
import { runReplay } from './replay.js';
import { runTest } from './test.js';
import { runValidate } from './validate.js';

const USAGE = `Usage: cordon <command>

Commands:
  start              Run every role (API, correlator, runner, worker) on embedded defaults
  validate [dir]     Check correlations/, connectors/ and playbooks/ under dir (default .)
  test [dir]         Run the rule tests (*.test.yaml) beside the rules in dir/correlations
  replay [--content dir] [--json] <file.ndjson|dir|->
                     Run recorded canonical events through the rules offline
  audit verify [--file f] [--expect-head seq:sha256] [--json]
                     Check the audit trail's hash chain (in Redis, or an export); exit 1 naming
                     the first bad entry
  audit export       Write the audit trail as NDJSON to stdout, its head to stderr
  help               Show this help

Configuration is read from the environment; see README.md "Configuration".`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return runStart();
    case 'validate':
      return runValidate(rest[0]);
    case 'test':
      return runTest(rest[0]);
    case 'replay':
      return runReplay(rest);
    case 'audit':
      return runAudit(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`cordon: unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
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
    } else {
      console.error('cordon: unexpected error:', err);
    }
    // Exit now: a failed start must not linger on open handles.
    process.exit(1);
  },
);
