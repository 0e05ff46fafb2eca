import { expect } from 'vitest';
import { memoryAdapter } from '../adapters/memory.js';
import { isKvError } from '../errors.js';
import { defineScript, type Script, type ScriptArg, type ScriptContext } from '../script.js';
import type { KvStore } from '../types.js';

/** One call of a {@link runScriptDifferential} sequence. */
export interface DifferentialStep {
  /** ARGV of the call. */
  readonly args: readonly ScriptArg[];
  /** Real time to wait on Redis before the call, ms (windows roll over, buckets refill). @default 0 */
  readonly pauseMs?: number | undefined;
}

/** Options of {@link runScriptDifferential}. */
export interface ScriptDifferentialOptions<R> {
  /** The redis-server to run on (the vitest global setup's `inject('raptorflow').redis`). */
  readonly redis: { readonly host: string; readonly port: number };
  /** The script: its Lua runs on Redis, its twin on memory. */
  readonly script: Script<R>;
  /** KEYS of every call; also the keys compared after each step. Use a prefix unique to the run. */
  readonly keys: readonly string[];
  /** The sequence. */
  readonly steps: readonly DifferentialStep[];
  /**
   * The store's time of a reply, ms since the epoch: what the script read from TIME and
   * returned. Memory replays the call with its clock pinned to it, so a script that reads TIME
   * must return it and name it here. Without it, a TIME read just before the call is used,
   * which is exact only for a script whose outcome does not depend on the millisecond. A call
   * that fails replays at the instant of the key dump read right after it.
   */
  readonly clockOf?: ((reply: R) => number) | undefined;
  /**
   * Compare each key's absolute expiry too. Exact when the script writes expiries as instants
   * on TIME (`PXAT` / `PEXPIREAT` at `now + ttl`); a relative `PX` counts on Redis from the
   * server's own clock, up to a millisecond after the script's TIME. @default true
   */
  readonly compareExpiry?: boolean | undefined;
  /**
   * Runs once on each side before the first step (on memory at the first call's instant), to
   * plant starting state: a corrupt value, a key of another type. Write keys without a TTL, or
   * as absolute instants, so both sides hold the same thing.
   */
  readonly setup?: ((store: KvStore) => Promise<void>) | undefined;
}

/** What one side saw at one step. */
export interface DifferentialRecord<R> {
  /** The store's time of the call, ms. */
  readonly now: number;
  /** The parsed reply, or the error's code. */
  readonly reply: R | { readonly error: string };
  /** `key → [type, value, expiry]` of every key after the call (see `compareExpiry`). */
  readonly dump: Readonly<Record<string, readonly unknown[]>>;
}

/*
 * Keys after a call, read by a script so it sees one instant: [now, then per live key: key,
 * type, value, absolute expiry or -1]. A key whose expiry is before `now` counts as gone; one
 * expiring at `now` is alive on both stores (keyIsExpired: gone only when now > expiry).
 */
const DUMP_LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local out = { now }
for _, k in ipairs(KEYS) do
  local ty = redis.call('TYPE', k).ok
  if ty ~= 'none' then
    local at = redis.call('PEXPIRETIME', k)
    if at < 0 or at >= now then
      local v
      if ty == 'string' then v = { redis.call('GET', k) }
      elseif ty == 'list' then v = redis.call('LRANGE', k, 0, -1)
      elseif ty == 'zset' then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
      elseif ty == 'set' then v = redis.call('SMEMBERS', k) table.sort(v)
      else
        local h = redis.call('HGETALL', k)
        local pairs_ = {}
        for i = 1, #h, 2 do pairs_[#pairs_ + 1] = h[i] .. '\\0' .. h[i + 1] end
        table.sort(pairs_)
        v = pairs_
      end
      out[#out + 1] = { k, ty, v, at }
    end
  end
end
return out
`;

function dumpTwin(ctx: ScriptContext, keys: readonly string[]): unknown[] {
  const t = ctx.call('TIME') as string[];
  const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
  const out: unknown[] = [now];
  for (const k of keys) {
    const type = ctx.call('TYPE', k);
    const ty = typeof type === 'string' ? type : String((type as unknown as { ok?: string }).ok);
    if (ty === 'none') continue;
    const pttl = ctx.call('PTTL', k) as number;
    // Memory's time is frozen at the script's start, which is the TIME it returns.
    const at = pttl < 0 ? -1 : now + pttl;
    let v: unknown;
    if (ty === 'string') v = [ctx.call('GET', k)];
    else if (ty === 'list') v = ctx.call('LRANGE', k, 0, -1);
    else if (ty === 'zset') v = ctx.call('ZRANGE', k, 0, -1, 'WITHSCORES');
    else if (ty === 'set') v = [...(ctx.call('SMEMBERS', k) as string[])].sort();
    else {
      const h = ctx.call('HGETALL', k) as string[];
      const pairs: string[] = [];
      for (let i = 0; i < h.length; i += 2) pairs.push(`${h[i]}\0${h[i + 1]}`);
      v = pairs.sort();
    }
    out.push([k, ty, v, at]);
  }
  return out;
}

const DUMP = defineScript<unknown[]>({
  name: 'testing:differential-dump',
  lua: DUMP_LUA,
  twin: (ctx, keys) => dumpTwin(ctx, keys) as never,
  parse: (reply) => reply as unknown[],
});

const TIME = defineScript<number>({
  name: 'testing:differential-time',
  lua: "local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)",
  twin: (ctx) => {
    const t = ctx.call('TIME') as string[];
    return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
  },
  parse: (reply) => Number(reply),
});

/** The harness's own scripts (a key dump and a clock read), exported so the SHA test checks them. */
export const DIFFERENTIAL_SCRIPTS: readonly Script<unknown>[] = Object.freeze([DUMP, TIME]);

function toDump(reply: unknown[], compareExpiry: boolean): { now: number; dump: Record<string, unknown[]> } {
  const dump: Record<string, unknown[]> = {};
  for (const entry of reply.slice(1) as unknown[][]) {
    const [key, type, value, at] = entry;
    dump[String(key)] = compareExpiry ? [type, value, Number(at)] : [type, value];
  }
  return { now: Number(reply[0]), dump };
}

async function settle<R>(p: Promise<R>): Promise<R | { error: string }> {
  try {
    return await p;
  } catch (error) {
    if (isKvError(error)) return { error: error.code };
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The differential check of a script's Lua against its JavaScript twin. Redis's clock cannot
 * be set, so the sequence runs on a real redis-server first (with real pauses), recording the
 * store's time of each call (`clockOf`) and the keys after it (read by a script at its own
 * instant). Then it replays on a memory store whose clock is pinned to those instants, and
 * asserts (vitest `expect`) that every reply, error code and key dump is identical, step by
 * step. No wall-clock race decides anything: memory sees exactly the times Redis saw.
 *
 * The Redis side's keys are deleted afterwards. Returns both records, for further checks.
 */
export async function runScriptDifferential<R>(
  options: ScriptDifferentialOptions<R>,
): Promise<{ redis: DifferentialRecord<R>[]; memory: DifferentialRecord<R>[] }> {
  const { script, keys, steps } = options;
  const compareExpiry = options.compareExpiry ?? true;
  // Loaded on demand: ioredis is an optional peer of core.
  const { ioredisAdapter } = await import('../adapters/ioredis.js');
  const redis = ioredisAdapter({ host: options.redis.host, port: options.redis.port });
  const onRedis: DifferentialRecord<R>[] = [];
  // The instants memory replays at: each call's, then its dump's.
  const instants: Array<{ call: number; dump: number }> = [];
  try {
    await options.setup?.(redis);
    for (const step of steps) {
      if (step.pauseMs) await sleep(step.pauseMs);
      const before = options.clockOf ? 0 : await redis.eval(TIME, []);
      const reply = await settle(redis.eval(script, keys, step.args));
      const failed = typeof reply === 'object' && reply !== null && 'error' in reply;
      const { now: at, dump } = toDump(await redis.eval(DUMP, keys), compareExpiry);
      // A call that failed returned no time: it replays at the instant of the dump after it.
      const now = !options.clockOf ? before : failed ? at : options.clockOf(reply as R);
      onRedis.push({ now, reply, dump });
      instants.push({ call: now, dump: at });
    }
  } finally {
    if (keys.length > 0) await redis.del(keys).catch(() => 0);
    await redis.close();
  }

  let now = 0;
  const memory: KvStore = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  const onMemory: DifferentialRecord<R>[] = [];
  try {
    now = instants[0]?.call ?? 0;
    await options.setup?.(memory);
    for (const [i, step] of steps.entries()) {
      const at = instants[i] as { call: number; dump: number };
      now = at.call;
      const reply = await settle(memory.eval(script, keys, step.args));
      now = at.dump;
      const { dump } = toDump(await memory.eval(DUMP, keys), compareExpiry);
      const mine: DifferentialRecord<R> = { now: at.call, reply, dump };
      onMemory.push(mine);
      expect({ step: i, ...mine }).toEqual({ step: i, ...(onRedis[i] as DifferentialRecord<R>) });
    }
  } finally {
    await memory.close();
  }
  return { redis: onRedis, memory: onMemory };
}
