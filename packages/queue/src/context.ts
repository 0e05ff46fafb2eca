import type { KvStore } from '@raptorflow/core';
import type { Emitter } from '@raptorflow/core/kit';
import { randomToken } from '@raptorflow/core/kit';
import type { FeatureHub, QueueEvents } from './events.js';
import type { ResolvedQueueOptions } from './options.js';
import { CLAIM, type ClaimReply, encodeClaimArgs } from './scripts/claim.js';

/** What a queue and its workers share. */
export interface QueueContext {
  readonly options: ResolvedQueueOptions;
  /** The feature's view of the store (keys are relative to it). */
  readonly root: KvStore;
  /** The twelve keys, in script order. */
  readonly keys: readonly string[];
  /** The pub/sub channel of this queue's wake-ups, under `root`. */
  readonly channel: string;
  readonly hub: FeatureHub;
  readonly events: Emitter<QueueEvents>;
  /** A fresh lease token: this queue instance's random 72 bits, then a counter. */
  nextToken(): string;
  /** Send the queue's pending enqueues now (they wait for the end of the tick to go as one call). */
  flushEnqueues(): void;
}

/** Lease tokens for one queue instance: unique across processes by the random part, within one by the counter. */
export function tokenSource(): () => string {
  const base = randomToken(9);
  let n = 0;
  return () => {
    n += 1;
    return `${base}${n.toString(36)}`;
  };
}

/** ARGV of a claim of `count` jobs. */
export function claimArgs(
  ctx: QueueContext,
  count: number,
  leaseMs: number,
  checkTimers: boolean,
  willWait: boolean,
): { token: string; args: string[] } {
  const token = ctx.nextToken();
  const o = ctx.options;
  return {
    token,
    args: encodeClaimArgs({
      count,
      leaseMs,
      token,
      maxDeliveries: o.maxDeliveries,
      checkTimers,
      timerBatch: o.timerBatch,
      willWait,
      deadKeep: o.retention.dead.count,
      deadAgeMs: o.retention.dead.age,
    }),
  };
}

/** One claim round trip. */
export async function claim(
  ctx: QueueContext,
  count: number,
  leaseMs: number,
  checkTimers: boolean,
  willWait: boolean,
): Promise<{ token: string; reply: ClaimReply }> {
  const { token, args } = claimArgs(ctx, count, leaseMs, checkTimers, willWait);
  ctx.flushEnqueues();
  return { token, reply: await ctx.root.eval(CLAIM, ctx.keys, args) };
}

/** Report the dead letters a claim made. */
export function reportDead(ctx: QueueContext, reply: ClaimReply): void {
  if (reply.dead.length === 0 || !ctx.events.has('dead-lettered')) return;
  for (const entry of reply.dead) {
    const at = entry.lastIndexOf(':');
    ctx.events.emit('dead-lettered', {
      queue: ctx.options.name,
      id: entry.slice(at + 1),
      reason: entry.slice(0, at),
    });
  }
}
