import { type Duration, describeValue, durationMs, invalidArgument } from '@raptorflow/core/kit';
import { claim, claimArgs, type QueueContext, reportDead } from './context.js';
import { emitOperation, operationStart } from './events.js';
import { backoffDelay, decodeBody, type StoredJob } from './job.js';
import { COMPLETE, encodeCompleteArgs } from './scripts/complete.js';
import { EXTEND, encodeExtendArgs } from './scripts/extend.js';
import { encodeFailArgs, FAIL, type FailReply } from './scripts/fail.js';

/**
 * A job taken by `queue.claim()`, for callers without a worker loop (a serverless function, a
 * cron route): run it, then `complete` or `fail` it by its `token` before `leaseUntil`. A lease
 * that runs out hands the job to the next claim, its delivery counted, as a worker's would.
 */
export interface ClaimedJob<T> {
  readonly id: string;
  /** The payload (checked against the queue's schema when it has one). */
  readonly data: T;
  readonly priority: number;
  /** Deliveries so far, this one included. */
  readonly deliveries: number;
  readonly attempts: number;
  /** The lease, opaque: pass it to `complete`, `fail` and `extend`. */
  readonly token: string;
  /** When the lease runs out, ms on the store's clock (`extend` moves it). */
  readonly leaseUntil: number;
}

/** What `queue.fail` did with the job (`stale`: the lease was no longer this token's; nothing changed). */
export type FailOutcome = FailReply['outcome'];

/** A claim's lease option, checked. */
export function leaseOption(where: string, lease: Duration | undefined, fallback: number): number {
  if (lease === undefined) return fallback;
  const ms = durationMs(lease);
  if (typeof ms === 'string' || ms < 10) {
    throw invalidArgument(where, `lease: ${typeof ms === 'string' ? ms : 'expected a duration >= 10 ms'}`);
  }
  return ms;
}

// `<id>:<lease token>/<deliveries>/<backoff kind>/<backoff ms>/<dedup key, percent-encoded>`
const TOKEN = /^(\d+:[0-9A-Za-z]+)\/(\d+)\/([01])\/(\d+)\/([^|]*)$/;

interface Lease {
  readonly member: string;
  readonly job: Pick<StoredJob, 'id' | 'deliveries' | 'backoffKind' | 'backoffMs' | 'dedup'>;
}

function tokenOf(member: string, job: StoredJob): string {
  return `${member}/${job.deliveries}/${job.backoffKind}/${job.backoffMs}/${job.dedup}`;
}

function parseToken(where: string, token: unknown): Lease {
  const m = typeof token === 'string' ? TOKEN.exec(token) : null;
  if (!m)
    throw invalidArgument(where, `token: expected the token of a claimed job, got ${describeValue(token)}`);
  const member = m[1] as string;
  return {
    member,
    job: {
      id: member.slice(0, member.indexOf(':')),
      deliveries: Number(m[2]),
      backoffKind: m[3] === '1' ? 1 : 0,
      backoffMs: Number(m[4]),
      dedup: m[5] as string,
    },
  };
}

/** Tries of a claim whose job fails the schema (it is dead-lettered and the next one is taken). */
const CLAIM_TRIES = 10;

/** `queue.claim`: one round trip (claims that find a stored payload failing the schema add one each). */
export async function claimOne<T>(ctx: QueueContext, leaseMs: number): Promise<ClaimedJob<T> | undefined> {
  const q = ctx.options;
  for (let i = 0; i < CLAIM_TRIES; i++) {
    // No timer loop runs for these callers: every claim looks at due delayed jobs and expired leases.
    const { token, reply } = await claim(ctx, 1, leaseMs, true, false);
    reportDead(ctx, reply);
    const body = reply.bodies[0];
    if (body === undefined) return undefined;
    const job = decodeBody(body);
    const member = `${job.id}:${token}`;
    let data: unknown;
    let problem: string | undefined;
    try {
      data = JSON.parse(job.payload);
      if (q.schema) {
        const r = q.schema.safeParse(data);
        if (r.success) data = r.data;
        else problem = `the stored payload fails the schema: ${String(r.error)}`;
      }
    } catch (error) {
      problem = `the stored payload is not JSON: ${String(error)}`;
    }
    if (problem === undefined) {
      if (ctx.events.has('started'))
        ctx.events.emit('started', { queue: q.name, id: job.id, deliveries: job.deliveries });
      return {
        id: job.id,
        data: data as T,
        priority: job.priority,
        deliveries: job.deliveries,
        attempts: job.attempts,
        token: tokenOf(member, job),
        leaseUntil: reply.now + leaseMs,
      };
    }
    await failLease(ctx, { member, job }, 'dead', 'invalid-payload', problem);
  }
  return undefined;
}

/** `queue.complete`: token-checked, one round trip; `false` for a stale token (counted, nothing changed). */
export async function completeByToken(ctx: QueueContext, token: string, result: unknown): Promise<boolean> {
  const lease = parseToken('queue.complete', token);
  const keep = ctx.options.retention.completed;
  let text = '';
  if (keep.count > 0) {
    try {
      text = JSON.stringify(result ?? null) ?? 'null';
    } catch (error) {
      throw invalidArgument('queue.complete', `result: cannot be serialised as JSON (${String(error)})`);
    }
  }
  const started = operationStart(ctx.hub);
  const reply = await ctx.root.eval(
    COMPLETE,
    ctx.keys,
    encodeCompleteArgs(
      // The progress entry is deleted whether or not there was one: the caller's token does not say.
      {
        member: lease.member,
        dedup: lease.job.dedup,
        hasProgress: true,
        keep: keep.count,
        ageMs: keep.age,
        result: text,
      },
      claimArgs(ctx, 0, 1, false, false).args,
    ),
  );
  const queue = ctx.options.name;
  const base = { queue, id: lease.job.id, deliveries: lease.job.deliveries };
  emitOperation(ctx.hub, 'job', started, reply.completed ? 'completed' : 'stale', undefined, { queue });
  if (reply.completed) {
    if (ctx.events.has('completed')) ctx.events.emit('completed', base);
  } else if (ctx.events.has('lease-lost')) ctx.events.emit('lease-lost', base);
  return reply.completed;
}

async function failLease(
  ctx: QueueContext,
  lease: Lease,
  mode: 'retry' | 'dead',
  reason: string,
  message: string,
): Promise<FailOutcome> {
  const q = ctx.options;
  const delayMs = mode === 'retry' ? backoffDelay(lease.job as StoredJob, q.backoff.jitter) : 0;
  const started = operationStart(ctx.hub);
  const r = await ctx.root.eval(
    FAIL,
    ctx.keys,
    encodeFailArgs({
      member: lease.member,
      mode,
      delayMs,
      reason,
      message: encodeURIComponent(message.slice(0, 1_000).toWellFormed()),
      hasProgress: true,
      deadKeep: q.retention.dead.count,
      deadAgeMs: q.retention.dead.age,
    }),
  );
  emitOperation(ctx.hub, 'job', started, r.outcome, undefined, { queue: q.name });
  const base = { queue: q.name, id: lease.job.id, deliveries: lease.job.deliveries };
  if ((r.outcome === 'retried' || r.outcome === 'delayed') && ctx.events.has('retried'))
    ctx.events.emit('retried', { ...base, delayMs: r.outcome === 'delayed' ? delayMs : 0 });
  if (r.outcome === 'dead' && ctx.events.has('dead-lettered'))
    ctx.events.emit('dead-lettered', { queue: q.name, id: lease.job.id, reason });
  if (r.outcome === 'stale' && ctx.events.has('lease-lost')) ctx.events.emit('lease-lost', base);
  return r.outcome;
}

/** `queue.fail`: retry after the job's backoff while attempts last, else dead letters (`dead: true`: at once). */
export async function failByToken(
  ctx: QueueContext,
  token: string,
  error: unknown,
  options: { readonly dead?: boolean | undefined } | undefined,
): Promise<FailOutcome> {
  const lease = parseToken('queue.fail', token);
  const message = error instanceof Error ? error.message : error === undefined ? '' : String(error);
  return failLease(ctx, lease, options?.dead === true ? 'dead' : 'retry', 'failed', message);
}

/** `queue.extend`: renew one lease from now; `false` when it is no longer this token's. */
export async function extendByToken(ctx: QueueContext, token: string, leaseMs: number): Promise<boolean> {
  const lease = parseToken('queue.extend', token);
  const r = await ctx.root.eval(EXTEND, ctx.keys, encodeExtendArgs(leaseMs, [lease.member]));
  return r.lost.length === 0;
}
