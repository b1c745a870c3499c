import { Job, type JobsOptions, type Queue } from 'bullmq';
import { version as bullmqVersion } from 'bullmq/dist/cjs/version.js';
import type { EncodedJob } from './jobs.js';

/**
 * The BullMQ version whose addStandardJob (keys, arguments, answer) this module was checked
 * against; a test fails when the installed one differs, so an upgrade is looked at, not
 * assumed. (The job layout itself is BullMQ's: its own code builds the arguments and its own
 * script text adds the job, see store/redis-scripts.ts.)
 */
export const BULLMQ_CHECKED_VERSION = '6.7.0';

/**
 * What `queue.add(name, data, opts)` would send to Redis, without sending it: BullMQ's own
 * Job builds the job and its backend the addStandardJob arguments, handed to a client that
 * only records them. Undefined when BullMQ would not use addStandardJob for it (a delay, a
 * priority, a parent), or the installed BullMQ is not the version checked: the caller then
 * adds the job the ordinary way.
 */
export function encodeStandardJob(
  queue: Queue,
  name: string,
  data: unknown,
  opts: JobsOptions & { readonly jobId: string },
): EncodedJob | undefined {
  if (bullmqVersion !== BULLMQ_CHECKED_VERSION) return undefined;
  if (opts.delay || opts.priority || opts.parent) return undefined;
  let sent: { name: string; args: unknown[] } | undefined;
  const recorder = {
    runCommand(command: string, args: unknown[]): Promise<string> {
      sent = { name: command, args };
      return Promise.resolve(opts.jobId);
    },
  };
  const job = new Job(queue, name, data, { ...queue.jobsOpts, ...opts }, opts.jobId);
  // The command is built synchronously, before addJob's first await.
  job.addJob(recorder as never).catch(() => undefined);
  if (sent?.name !== `addStandardJob:${bullmqVersion}` || sent.args.length !== 12) return undefined;
  const all = sent.args as (string | Buffer)[];
  if (!all.every((a) => typeof a === 'string' || Buffer.isBuffer(a))) return undefined;
  const queueKeys = all.slice(0, 9);
  if (!queueKeys.every((k): k is string => typeof k === 'string')) return undefined;
  return { queueKeys, args: all.slice(9) };
}
