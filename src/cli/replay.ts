import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { ReplayPool } from '../correlate/replay-pool.js';
import { inputBytes } from './replay-files.js';
import { REPLAY_USAGE } from './usage.js';

/**
 * On one or two cores, the input size from which a replay gets worker threads by default.
 * Measured on two (2026-12-05), main thread alone against two threads: the shipped pack on
 * 100k AI-platform events (30 MB) 4.3 s against 4.2 s, on 50k (15 MB) 2.6 s against 2.8 s, on
 * 100k authentication events (14 MB) 1.1 s against 1.3 s, on 200k (28 MB) 1.8–2.0 s against
 * 1.7–1.9 s with a quarter less CPU (30 MB with a tenth repeated: 2.2 s against 2.0 s); a
 * one-rule replay of 200k authentication events 1.4 s against 1.5 s, of 20k 0.55 s against
 * 0.83 s.
 */
export const THREADS_FROM_BYTES = 24 * 1024 * 1024;

/**
 * `cordon replay`: its options, and the worker threads, started before the rest of the replay
 * is loaded (replay-inputs.ts): a thread takes about as long to start as this one takes to load
 * the rules' modules, and on two cores the two then overlap instead of following each other.
 */
export async function runReplay(argv: readonly string[]): Promise<number> {
  let contentDir = '.';
  let json = false;
  // By default a routing thread per core (at most 8; on one or two cores, for an input of
  // THREADS_FROM_BYTES or more), all in use at first; one is left idle while the thread that applies is the bound
  // (with up to eight cores it shares one with them), and put back if it starves
  // (correlate/thread-demand.ts).
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
  // Worker threads start loading their modules now, while this one loads its own and the
  // content. On one or two cores, an input smaller than THREADS_FROM_BYTES is routed on this thread
  // alone (as the threads would route it, lines no detection can match counted without
  // parsing): starting threads and building the rules on each takes longer than they save
  // there, since they start on the cores this thread needs. With more cores they start beside
  // it, and this thread routes only what comes before one is ready (ReplayPool's routeHere).
  const threads =
    workers ??
    (cores <= 2 && (await inputBytes(inputs[0] as string)) < THREADS_FROM_BYTES
      ? 0
      : Math.max(1, Math.min(8, cores)));
  // `--workers 0`: no pool, every line read in full on this thread.
  const pool =
    workers === 0
      ? undefined
      : new ReplayPool(
          threads,
          // Asked for by number (`--workers n`), threads route every chunk.
          workers === undefined
            ? { least: Math.max(Math.min(1, threads), threads - 1), routeHere: true }
            : {},
        );
  try {
    const { replayInputs } = await import('./replay-inputs.js');
    return await replayInputs(contentDir, inputs[0] as string, json, pool);
  } finally {
    await pool?.close();
  }
}
