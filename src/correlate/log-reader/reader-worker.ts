import { parentPort, workerData } from 'node:worker_threads';
import { EventLog, type MergedRead } from '../../store/event-log.js';
import { Keys } from '../../store/keys.js';
import { createRedis, outageOptions } from '../../store/redis.js';
import { CorrelationEngine } from '../engine/engine.js';
import { transferList } from '../routing/routed-batch.js';
import { buildRuleSet } from '../rule/index.js';
import type { ReaderCommand, ReaderReply, ReaderThreadInit } from './reader-thread-init.js';
import { firstReadSize, nextReadSize } from './read-size.js';
import { routeEntries } from './route-entries.js';

/**
 * The correlator's reader thread: reads the event log with its own connection, parses and
 * routes each entry, and posts the batches, in order and at most `readAhead` ahead of the
 * correlator, which only applies them. A seek (the correlator restarted from a checkpoint)
 * starts a new epoch: whatever was read for an older one is dropped on both sides.
 */
if (parentPort) {
  const port = parentPort;
  const init = workerData as ReaderThreadInit;
  const { ruleSet } = buildRuleSet([...init.sources]);
  if (!ruleSet) throw new Error('correlator reader thread: the rules do not build');
  const router = new CorrelationEngine(ruleSet, {
    ...init.engineOptions,
    owned: [],
    checkpoints: false,
  });
  const redis = createRedis(init.redisUrl, {
    connectionName: init.connectionName,
    ...outageOptions('blocking', init.commandTimeoutMs, init.blockMs),
  });
  // Errors surface through the commands that fail (and reach the correlator from there).
  redis.on('error', () => undefined);
  const partitions = init.eventLogPartitions ?? 1;
  const log = new EventLog(redis, new Keys(init.keyPrefix), undefined, partitions);

  let epoch = -1;
  let cursor = '0-0';
  let credits = 0;
  let readSize = firstReadSize(init.batchSize);
  let wake: (() => void) | undefined;
  const post = (reply: ReaderReply): void => {
    if (reply.type === 'batch')
      port.postMessage(reply, [
        ...transferList(reply.batch.batch),
        reply.batch.partitions.buffer as ArrayBuffer,
      ]);
    else port.postMessage(reply);
  };

  port.on('message', (m: ReaderCommand) => {
    if (m.type === 'seek') {
      epoch = m.epoch;
      cursor = m.position;
      credits = init.readAhead;
      readSize = firstReadSize(init.batchSize);
    } else if (m.epoch === epoch) {
      credits += 1;
    }
    wake?.();
  });

  // One read is kept in flight while the previous batch is parsed and routed, so the thread
  // never waits on Redis and Redis never waits on the thread. A read started for an older epoch
  // (a seek came meanwhile) is dropped when it lands.
  type Read = { epoch: number; entries: Promise<MergedRead> };
  let inFlight: Read | undefined;
  const startRead = (): Read => {
    const read = { epoch, entries: log.readMerged(redis, cursor, readSize, init.blockMs) };
    readSize = nextReadSize(readSize, init.batchSize);
    // Its failure is reported when it is awaited; until then it must not count as unhandled.
    read.entries.catch(() => undefined);
    return read;
  };

  const loop = async (): Promise<void> => {
    for (;;) {
      if (epoch < 0 || credits <= 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const reading = epoch;
      if (inFlight?.epoch !== reading) inFlight = startRead();
      let batch;
      try {
        const read = await inFlight.entries;
        inFlight = undefined;
        if (epoch !== reading) continue; // sought meanwhile: this read is from the old position
        cursor = read.position;
        // Ask for the next batch before routing this one (only with credit left for it).
        if (credits > 1) inFlight = startRead();
        batch = routeEntries(router, read, partitions);
      } catch (err) {
        // A read started before routing failed would hold the connection for the next one.
        await inFlight?.entries.catch(() => undefined);
        inFlight = undefined;
        if (epoch !== reading) continue;
        // The correlator restores from its checkpoint and seeks again; until then, nothing.
        credits = 0;
        const e = err instanceof Error ? err : new Error(String(err));
        post({ type: 'error', epoch: reading, message: e.message, name: e.name });
        continue;
      }
      credits -= 1;
      post({ type: 'batch', epoch: reading, batch });
    }
  };
  void loop();
}
