import { parentPort } from 'node:worker_threads';
import { transferList } from './routing/routed-batch.js';
import { buildRuleSet } from './rule/index.js';
import {
  routeBytes,
  startRouter,
  type ChunkRequest,
  type Router,
  type WorkerInit,
} from './replay-routing.js';

export type { ChunkRequest, ChunkResult, WorkerInit } from './replay-routing.js';

/**
 * A replay worker thread: routes the chunks it is sent (replay-routing.ts) and posts each
 * result back, its columns moved rather than copied. It says when its rules are built
 * (`{ ready: true }`), so the pool knows from when it is worth handing chunks over.
 */
if (parentPort) {
  const port = parentPort;
  // The pool starts threads before the rules are loaded: the first message brings them.
  let started: Router | undefined;
  port.on('message', (msg: { init: WorkerInit } | ChunkRequest | 'stats') => {
    if (msg === 'stats') {
      port.postMessage({ stats: started ? [...started.engine.stats()] : [] });
      return;
    }
    if ('init' in msg) {
      const { ruleSet } = buildRuleSet(msg.init.sources);
      if (!ruleSet) throw new Error('replay worker: the rules do not build');
      started = startRouter(ruleSet, msg.init);
      port.postMessage({ ready: true });
      return;
    }
    if (!started) throw new Error('replay worker: a chunk came before the rules');
    const result = routeBytes(started, Buffer.from(msg.buffer, 0, msg.length), msg.seq);
    port.postMessage(result, transferList(result));
  });
}
