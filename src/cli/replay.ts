import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { ReplayPool } from '../correlate/replay-pool.js';
import { REPLAY_USAGE } from './usage.js';

/**
 * `cordon replay`: its options, and the worker threads, started before the rest of the replay
 * is loaded (replay-inputs.ts): a thread takes about as long to start as this one takes to load
 * the rules' modules, and on two cores the two then overlap instead of following each other.
 */
export async function runReplay(argv: readonly string[]): Promise<number> {
  let contentDir = '.';
  let json = false;
  // By default a routing thread per core (at most 8), all in use at first; one is left idle
  // while the thread that applies is the bound (with up to eight cores it shares one with
  // them), and put back if it starves (correlate/thread-demand.ts).
  const cores = availableParallelism();
  let workers: number | undefined;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (arg === '--content') contentDir = argv[(i += 1)] ?? '';
    else if (arg === '--workers') workers = Number(argv[(i += 1)]);
    else if (arg.startsWith('--content=')) contentDir = arg.slice('--content='.length);
    else if (arg === '-h' || arg === '--help') {
      console.log(REPLAY_USAGE);
      return 0;
    } else if (arg.startsWith('-') && arg !== '-') {
      console.error(`cordon replay: unknown option "${arg}".\n\n${REPLAY_USAGE}`);
      return 2;
    } else inputs.push(arg);
  }
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0 || workers > 64)) {
    console.error(
      `cordon replay: --workers takes a whole number from 0 (no worker threads) to 64.`,
    );
    return 2;
  }
  if (inputs.length !== 1 || contentDir === '') {
    console.error(`cordon replay: name one input file or directory.\n\n${REPLAY_USAGE}`);
    return 2;
  }
  // Feedback vectors from a function's first call rather than after several: a replay runs
  // its hot loops from cold on every thread, and they reach optimised code sooner. V8 reads the
  // flag as functions are first called (it is process-wide: the threads below share it).
  setFlagsFromString('--no-lazy-feedback-allocation');
  // Worker threads start loading their modules now, while this one loads its own and the content.
  const pool =
    workers === undefined
      ? new ReplayPool(Math.max(1, Math.min(8, cores)), {
          least: Math.max(1, Math.min(8, cores) - 1),
        })
      : workers > 0
        ? new ReplayPool(workers)
        : undefined;
  try {
    const { replayInputs } = await import('./replay-inputs.js');
    return await replayInputs(contentDir, inputs[0] as string, json, pool);
  } finally {
    await pool?.close();
  }
}
