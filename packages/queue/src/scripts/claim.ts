import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { CLAIM_ARG_RE, LUA_CLAIM, LUA_PRELUDE, twinClaim, twinNow } from './lua.js';
import { replyArray, replyInteger, replyStrings } from './reply.js';

const NAME = 'queue-claim';

/** What a claim asks for; every number a whole number the caller checked. */
export interface ClaimInput {
  /** Jobs wanted (0: claim nothing). */
  readonly count: number;
  readonly leaseMs: number;
  /** The fresh lease token of this call (one per call: each job's member is `<id>:<token>`). */
  readonly token: string;
  /** A job whose lease runs out after this many deliveries goes to dead letters. */
  readonly maxDeliveries: number;
  /** Look at due delayed jobs and expired leases before popping. */
  readonly checkTimers: boolean;
  /** At most this many delayed jobs promoted and expired leases reclaimed per look. */
  readonly timerBatch: number;
  /** The caller will wait when nothing is claimed: flag the queue idle so an enqueue wakes it. */
  readonly willWait: boolean;
  /** Dead letters kept: at most this many, none older than `deadAgeMs` (0: no age limit). */
  readonly deadKeep: number;
  readonly deadAgeMs: number;
}

/** What a claim returns. */
export interface ClaimReply {
  /** The store's time of the claim, ms. */
  readonly now: number;
  /** The claimed jobs' bodies (deliveries already counted). */
  readonly bodies: readonly string[];
  /** `<reason>:<id>` of each job this claim moved to dead letters (`max-deliveries`, `expired`). */
  readonly dead: readonly string[];
  /** Expired leases put back to ready. */
  readonly reclaimed: number;
}

/**
 * Claim up to `count` jobs: promote due delayed jobs and reclaim expired leases (a bounded
 * batch each; past `maxDeliveries` a job goes to dead letters), pop the best ready jobs
 * (priority, then FIFO) and give each a lease on the store's clock under the call's token.
 *
 * - KEYS: the twelve of every queue script.
 * - ARGV: see {@link encodeClaimArgs}.
 * - Reply: `{now, {body...}, {deadId...}, reclaimed}`.
 */
const LUA = `${LUA_PRELUDE}
${LUA_CLAIM}
return claim(nowMs(), 1)`;

/** The claim script; see {@link LUA_CLAIM}. */
export const CLAIM: Script<ClaimReply> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => twinClaim(ctx, keys, args, twinNow(ctx), 0),
  parse: (reply) => parseClaimReply(NAME, reply),
});

/** ARGV of the claim part of {@link CLAIM} and of `COMPLETE`: one packed argument (see `LUA_CLAIM`). */
export function encodeClaimArgs(c: ClaimInput): string[] {
  const arg = `${c.count}:${c.leaseMs}:${c.token}:${c.maxDeliveries}:${c.checkTimers ? 1 : 0}:${c.timerBatch}:${c.willWait ? 1 : 0}:${c.deadKeep}:${c.deadAgeMs}`;
  if (!CLAIM_ARG_RE.test(arg)) throw new Error(`claim arguments out of shape: ${arg}`);
  return [arg];
}

/** Parse `{now, bodies, dead, reclaimed}`. */
export function parseClaimReply(name: string, reply: Reply | undefined): ClaimReply {
  const [now, bodies, dead, reclaimed] = replyArray(name, reply);
  return {
    now: replyInteger(name, now),
    bodies: replyStrings(name, bodies),
    dead: replyStrings(name, dead),
    reclaimed: replyInteger(name, reclaimed),
  };
}
