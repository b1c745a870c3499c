import { readFile } from 'node:fs/promises';
import { formatPlan, planRun } from '../playbook/tooling/plan.js';
import { loadPlaybookSet } from './playbook-arg.js';
import { PLAN_USAGE } from './usage.js';

/**
 * `cordon plan <playbook> --incident <file.json> [--content dir] [--json]`: every path a run
 * can take for that incident and the calls each would make, a call state's sub-run planned
 * under it. Performs nothing; needs no Redis.
 */
export async function runPlan(argv: readonly string[]): Promise<number> {
  let contentDir = '.';
  let incidentFile = '';
  let json = false;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--content') contentDir = argv[(i += 1)] ?? '';
    else if (arg === '--incident') incidentFile = argv[(i += 1)] ?? '';
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-')) {
      console.error(`cordon plan: unknown option "${arg}".\n\n${PLAN_USAGE}`);
      return 2;
    } else names.push(arg);
  }
  if (names.length !== 1 || incidentFile === '' || contentDir === '') {
    console.error(
      `cordon plan: name one playbook and the incident (--incident <file.json>).\n\n${PLAN_USAGE}`,
    );
    return 2;
  }
  // `--incident -` reads it from standard input, as the other commands read `-`.
  const from = incidentFile === '-' ? 'standard input' : incidentFile;
  let incident: unknown;
  try {
    incident = JSON.parse(incidentFile === '-' ? await readStdin() : await readFile(from, 'utf8'));
  } catch (err) {
    console.error(
      `cordon plan: cannot read the incident from ${from}: ${(err as Error).message}. Give a JSON object with the incident's fields (id, title, severity, group …), e.g. from GET /v1/incidents/<id>.`,
    );
    return 1;
  }
  if (typeof incident !== 'object' || incident === null || Array.isArray(incident)) {
    console.error(`cordon plan: ${from} must hold one JSON object (the incident).`);
    return 1;
  }
  const loaded = await loadPlaybookSet('plan', names[0] as string, contentDir);
  if (!loaded) return 1;
  // Call states are planned into: the sub-runs' paths are listed under their calls.
  const plan = planRun(loaded.playbook, incident as Record<string, unknown>, Date.now(), {
    playbooks: loaded.playbooks,
  });
  const rawId = (incident as { id?: unknown }).id;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : '(no id)';
  process.stdout.write(json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan, id));
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
