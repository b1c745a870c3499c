import { playbookGraph } from '../playbook/tooling/graph.js';
import { loadPlaybookArg } from './playbook-arg.js';
import { GRAPH_USAGE } from './usage.js';

/** `cordon graph <playbook> [--content dir]`: the playbook as a Mermaid state diagram. */
export async function runGraph(argv: readonly string[]): Promise<number> {
  let contentDir = '.';
  const names: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--content') contentDir = argv[(i += 1)] ?? '';
    else if (arg.startsWith('-')) {
      console.error(`cordon graph: unknown option "${arg}".\n\n${GRAPH_USAGE}`);
      return 2;
    } else names.push(arg);
  }
  if (names.length !== 1 || contentDir === '') {
    console.error(`cordon graph: name one playbook (its id or file).\n\n${GRAPH_USAGE}`);
    return 2;
  }
  const compiled = await loadPlaybookArg('graph', names[0] as string, contentDir);
  if (!compiled) return 1;
  process.stdout.write(playbookGraph(compiled.definition));
  return 0;
}
