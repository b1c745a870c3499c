/**
 * CORDON_EFFECT_ACK_REPLICAS on a real master with a real replica (two private redis-servers):
 * the effects ledger's records — what a retried step reads so as not to act twice, the
 * webhooks' attempt markers among them — are acknowledged by the replica before an outbound
 * call is made, so they would survive the control plane's master failing over.
 *
 * WAIT gets 3 s: a loaded machine (the whole suite in parallel) can take more than 300 ms to
 * acknowledge. The discriminating case pauses the replica (SIGSTOP): with ack mode the attempt fails with
 * CORDON_ERR_EFFECT_NOT_REPLICATED before the webhook is called; without it the post goes out
 * with its marker only on the master.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExecutorTable } from '../../../src/actions/connectors/executor-table.js';
import { slackFake } from '../../../src/demo/fakes/slack.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { CaseStore } from '../../../src/store/case-store.js';
import { EffectLedger } from '../../../src/store/effect-ledger.js';
import { LimiterStore } from '../../../src/store/limiter-store.js';
import { createRedis, type RedisClient } from '../../../src/store/redis.js';
import { Keys } from '../../../src/store/keys.js';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { createPrivateRedis, type PrivateRedis } from '../../helpers/private-redis.js';

const HOOK = '/services/T0010/B0010/effectAckSecretPath';
const slack = slackFake(HOOK);
let master: PrivateRedis;
let replica: PrivateRedis;
let ackConnection: RedisClient;
let replicaReader: RedisClient;
let acked: ConnectorHarness;
let plain: ConnectorHarness;

beforeAll(async () => {
  await slack.server.start();
  master = await createPrivateRedis();
  await master.start();
  replica = await createPrivateRedis({ replicaOf: master.url });
  await replica.start();
  ackConnection = createRedis(master.url, { maxRetriesPerRequest: 1 });
  replicaReader = createRedis(replica.url, { maxRetriesPerRequest: 1 });
  const instances = instancesFromYaml(
    `name: chat\ntype: slack\nurl: { env: SLACK_URL }\nallow_hosts: ["${new URL(slack.server.url).host}"]\ntimeout: 2s`,
  );
  const env = { SLACK_URL: `${slack.server.url}${HOOK}` };
  acked = connectorHarness(instances, env, {
    redisUrl: master.url,
    effectAck: { replicas: 1, timeoutMs: 3_000, connection: ackConnection },
  });
  plain = connectorHarness(instances, env, { redisUrl: master.url });
}, 30_000);

afterAll(async () => {
  replica?.resume();
  await acked?.cleanup();
  await plain?.cleanup();
  ackConnection?.disconnect();
  replicaReader?.disconnect();
  await replica?.cleanup();
  await master?.cleanup();
  await slack.server.stop();
});

const notify = (h: ConnectorHarness, effectKey: string) =>
  h.run('slack', 'notify.slack', { text: 'Key throttled' }, { connector: 'chat', effectKey });

describe('effects ledger with replica acknowledgement', () => {
  it('has the marker and the result on the replica when the step is reported', async () => {
    const before = slack.posts.length;
    await expect(notify(acked, 'ack-ok')).resolves.toBeDefined();
    expect(slack.posts.length).toBe(before + 1);
    // No waiting: WAIT returned only once the replica had both records.
    const onReplica = await replicaReader.hgetall(new Keys(acked.redis.prefix).effect('ack-ok'));
    expect(onReplica.status).toBe('done');
    expect(onReplica['memo:attempt:0']).toBeDefined();
    expect(onReplica['memo:connector']).toBe('"chat"');
  });

  it('fails the attempt before the call when the replica does not acknowledge', async () => {
    replica.pause();
    try {
      const before = slack.posts.length;
      await expect(notify(acked, 'ack-paused')).rejects.toMatchObject({
        code: 'CORDON_ERR_EFFECT_NOT_REPLICATED',
        details: { replicas: 1, acknowledged: 0, timeoutMs: 3_000 },
      });
      expect(slack.posts.length).toBe(before);
      // Without ack mode the same post goes out, its marker only on the master.
      await expect(notify(plain, 'plain-paused')).resolves.toBeDefined();
      expect(slack.posts.length).toBe(before + 1);
    } finally {
      replica.resume();
    }
    // The replica back: the retry of the refused attempt posts once.
    const before = slack.posts.length;
    await expect(notify(acked, 'ack-paused')).resolves.toBeDefined();
    expect(slack.posts.length).toBe(before + 1);
  });

  it('names the instance before an atomic built-in effect acts (not beside it) when records are acknowledged', async () => {
    const keys = new Keys(acked.redis.prefix);
    const limiter = new LimiterStore(acked.redis.redis, keys);
    const ledger = new EffectLedger(acked.redis.redis, keys, {
      replicas: 1,
      timeoutMs: 3_000,
      connection: ackConnection,
    });
    const set = buildExecutorTable([], {
      limiter,
      cases: new CaseStore(acked.redis.redis, keys),
      clock: new ManualClock(),
      ledger,
      secrets: { env: {}, readFile: () => '' },
    })['builtin-limiter']?.['ratelimit.set'];
    const ctx = (effectKey: string) => ({
      effectKey,
      runId: 'run_a',
      incidentId: 'inc_a',
      now: Date.UTC(2026, 0, 1),
      signal: new AbortController().signal,
      connector: 'gateway',
    });
    replica.pause();
    try {
      await expect(
        set?.({ key: 'k-ack', limit: '5/m' }, ctx('atomic-paused')),
      ).rejects.toMatchObject({ code: 'CORDON_ERR_EFFECT_NOT_REPLICATED' });
      // The throttle was not sent: its naming was not acknowledged.
      await expect(ledger.result('atomic-paused')).resolves.toBeUndefined();
      await expect(limiter.rule('k-ack')).resolves.toBeUndefined();
    } finally {
      replica.resume();
    }
    await expect(
      set?.({ key: 'k-ack', limit: '5/m' }, ctx('atomic-paused')),
    ).resolves.toMatchObject({ applied: true, count: 5 });
    const onReplica = await replicaReader.hgetall(keys.effect('atomic-paused'));
    expect(onReplica['memo:connector']).toBe('"gateway"');
  });

  it('keeps secrets out of the error', async () => {
    replica.pause();
    try {
      const err = await notify(acked, 'ack-secret').catch((e: unknown) => e);
      expect(JSON.stringify(err)).not.toContain('effectAckSecretPath');
      expect(String((err as Error).message)).not.toContain('effectAckSecretPath');
      expect((err as Error).message).toContain('CORDON_EFFECT_ACK_REPLICAS');
    } finally {
      replica.resume();
    }
  });
});
