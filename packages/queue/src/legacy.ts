import type { KvStore } from '@raptorflow/core';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { claim, claimArgs } from './context.js';
import { decodeBody } from './job.js';
import { contextOf, createQueue, type Queue } from './queue.js';
import { COMPLETE, encodeCompleteArgs } from './scripts/complete.js';

/** The old system's queue calls; see {@link createLegacyQueue}. */
export interface LegacyQueue {
  /** The old `enqueue(queueName, jobData, priority)`: add a job; higher priority first. Resolves the job's id. */
  enqueue(queueName: string, jobData: unknown, priority?: number): Promise<string>;
  /**
   * The old `dequeue(queueName)`: take the best waiting job and remove it, or `null`. The job is
   * gone once returned (the old semantics: at-most-once); use `queue(name).process` for leases.
   */
  dequeue(queueName: string): Promise<unknown>;
  /** The old `peek(queueName)`: the best waiting job's data without taking it, or `null`. */
  peek(queueName: string): Promise<unknown>;
  /** The old `length(queueName)`: jobs waiting. */
  length(queueName: string): Promise<number>;
  /** The old `clear(queueName)`: delete the waiting and delayed jobs. */
  clear(queueName: string): Promise<void>;
  /** The new API underneath, one queue per name, for code that moves on. */
  queue(queueName: string): Queue;
}

/** Options of {@link createLegacyQueue}. */
export interface LegacyQueueOptions {
  store: KvStore;
  /** Key prefix. @default 'rf:queue:' (the same keys as `createQueue`: old and new code share queues) */
  prefix?: string | undefined;
}

/**
 * The old system's calls as a thin wrapper over {@link createQueue}: each queue name is a queue
 * (`attempts: 1`), each call one round trip (`dequeue`: a claim, then its completion).
 */
export function createLegacyQueue(options: LegacyQueueOptions): LegacyQueue {
  const queues = new Map<string, Queue>();
  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = createQueue({ store: options.store, prefix: options.prefix, name, attempts: 1 });
      queues.set(name, q);
    }
    return q;
  };
  return {
    async enqueue(queueName, jobData, priority = 0) {
      if (typeof priority !== 'number')
        throw invalidArgument('enqueue', `priority: expected a number, got ${describeValue(priority)}`);
      return (await queue(queueName).enqueue(jobData, { priority })).id;
    },
    async dequeue(queueName) {
      const ctx = contextOf(queue(queueName));
      const { token, reply } = await claim(ctx, 1, 60_000, true, false);
      const body = reply.bodies[0];
      if (body === undefined) return null;
      const job = decodeBody(body);
      await ctx.root.eval(
        COMPLETE,
        ctx.keys,
        encodeCompleteArgs(
          {
            member: `${job.id}:${token}`,
            dedup: job.dedup,
            hasProgress: false,
            keep: 0,
            ageMs: 0,
            result: '',
          },
          claimArgs(ctx, 0, 1, false, false).args,
        ),
      );
      return JSON.parse(job.payload);
    },
    async peek(queueName) {
      const [first] = await queue(queueName).peek(1);
      return first === undefined ? null : first.data;
    },
    async length(queueName) {
      return (await queue(queueName).counts()).waiting;
    },
    async clear(queueName) {
      await queue(queueName).clear();
    },
    queue,
  };
}
