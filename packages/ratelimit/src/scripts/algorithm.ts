import { isKvError, type Script, type ScriptContext } from '@raptorflow/core';
import type { ScriptOutcome } from './envelope.js';
import type { ManyReply } from './many.js';

/**
 * What one limit's check found, before anything is written. The envelope script (see
 * `envelope.ts`) combines the checks of every limit of a call, then commits all or none.
 */
export interface LimitCheck {
  /** The cost fits this limit now. */
  allowed: boolean;
  /** Units left if nothing is taken. */
  remNow: number;
  /** Units left after the cost is taken (only meaningful when `allowed`). */
  remTaken: number;
  /** ms until the limit is fully replenished if nothing is taken. */
  resetNow: number;
  /** ms until the limit is fully replenished after the cost is taken. */
  resetTaken: number;
  /** ms until the cost would fit; -1 when it never can (cost above the limit's capacity). */
  retry: number;
  /** Algorithm-private state handed to `commit`. */
  state: readonly number[];
}

/** Parameters of one limit as the script receives them: whole numbers. */
export interface LimitParams {
  /** Units per window (the refill amount for the token bucket). */
  limit: number;
  /** Window length, ms. */
  window: number;
  /** Token bucket capacity; 0 for the other algorithms. */
  burst: number;
}

/**
 * One algorithm as its file declares it: a pair of Lua functions and their JavaScript twins,
 * spliced into the envelope script. Lua `check(key, limit, window, burst, cost, now)` returns
 * `allowed, remNow, remTaken, resetNow, resetTaken, retry, state`; `commit(key, limit, window,
 * burst, cost, now, state)` writes the new state with an absolute expiry on the script's clock
 * (`PXAT` / `PEXPIREAT` at `now + ttl`).
 *
 * Rule every algorithm keeps (the differential test checks it): a state read at or after its
 * expiry instant answers exactly as a missing key. Redis keeps a key through its expiry
 * millisecond and decides expiry on its own time snapshot, the memory engine on the script's
 * clock; only this rule makes the two agree.
 */
export interface AlgorithmSpec<N extends string = string> {
  /** The `algorithm` option's value. */
  readonly name: N;
  /** The key segment after the identifier's hash tag: `{id}:<tag>:<limit name>`. */
  readonly tag: string;
  /** Lua source defining `local function check(...)` and `local function commit(...)`. */
  readonly lua: string;
  /**
   * Twin of the Lua `check`. With `reusesResult` the result (its `state` too) may be one object
   * the algorithm reuses on every call; the envelope then copies it when a call has several
   * limits. Without, the envelope keeps the result's `state` array itself (an algorithm may key
   * side data on it).
   */
  check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck;
  /** `check` returns one object it reuses (see `check`). @default false */
  readonly reusesResult?: boolean;
  /** Twin of the Lua `commit`. */
  commit(
    ctx: ScriptContext,
    key: string,
    p: LimitParams,
    cost: number,
    now: number,
    state: readonly number[],
  ): void;
}

/** An algorithm with its envelope script (see `defineAlgorithm` in `envelope.ts`). */
export interface Algorithm<N extends string = string> extends AlgorithmSpec<N> {
  /** The one-round-trip script: this algorithm's functions inside the envelope. */
  readonly script: Script<ScriptOutcome>;
  /** The same envelope run for several calls in order, in one invocation (see `many.ts`). */
  readonly many: Script<ManyReply>;
}

/** Lua's `%` for doubles (`a - floor(a/b)*b`), which differs from JavaScript's for negative `a`. */
export function luaMod(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

/*
 * Unreadable state (a value no writer of ours produced, or a key of another Redis type) is
 * treated as a missing key and deleted, so the next write starts clean: a rejected call writes
 * nothing, and without this a planted `garbage` locked an identifier out (or, under
 * `fail-open`, let it through) for as long as the key lived. The Lua reads state with
 * `redis.pcall`, so a wrong type is a reply to inspect, not a script error: the same one
 * command as before, and a DEL only when something was repaired.
 */

/** Lua defined before every algorithm: the repair counter the envelope returns, and `unreadable`. */
export const REPAIR_LUA = `
local repaired = 0
local function unreadable(key)
  redis.call('DEL', key)
  repaired = repaired + 1
end
-- A whole number of at most 15 digits (below 2^53, so exact on both sides), else nil.
local function whole(s)
  if s and #s <= 15 then return s + 0 end
  return nil
end
`;

/** Lua defined after the envelope: the store's clock in ms, read once per invocation. */
export const NOW_LUA = `
local function clock()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
`;

/** Twin of the Lua `clock`. */
export function clockTwin(ctx: ScriptContext): number {
  if (ctx.timeMs) return ctx.timeMs();
  const t = ctx.call('TIME') as string[];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

let repairs = 0;

/** Twin of the Lua `unreadable`: delete the key and count it. */
export function unreadable(ctx: ScriptContext, key: string): void {
  ctx.call('DEL', key);
  repairs += 1;
}

/** Read and reset the twin's repair count (the envelope twin calls it once per run; twins are synchronous). */
export function takeRepairs(): number {
  const n = repairs;
  repairs = 0;
  return n;
}

/** A reply of `pcall('GET')` as a string, null when missing; a wrong type is repaired (null). */
export function readString(ctx: ScriptContext, key: string): string | null {
  if (ctx.getString) {
    try {
      return ctx.getString(key);
    } catch (error) {
      if (!isKvError(error)) throw error;
      unreadable(ctx, key);
      return null;
    }
  }
  const v = ctx.pcall('GET', key);
  if (v === null) return null;
  if (typeof v === 'string') return v;
  unreadable(ctx, key);
  return null;
}

/**
 * A reply of `pcall('GET')` for a state written by {@link setTripleAt}: its three numbers where
 * the store kept them as numbers (see core's `ScriptContext.getTriple`; one shared array), else
 * the string, null when missing; a wrong type is repaired (null).
 */
export function readTriple(
  ctx: ScriptContext,
  key: string,
): readonly [number, number, number] | string | null {
  if (ctx.getTriple === undefined) return readString(ctx, key);
  try {
    return ctx.getTriple(key);
  } catch (error) {
    if (!isKvError(error)) throw error;
    unreadable(ctx, key);
    return null;
  }
}

/** `SET key "<a>:<b>:<c>" PXAT at` (Lua: `string.format('%d:%d:%d', a, b, c)`), typed where the store offers it. */
export function setTripleAt(
  ctx: ScriptContext,
  key: string,
  a: number,
  b: number,
  c: number,
  at: number,
): void {
  if (ctx.setTriplePxat) ctx.setTriplePxat(key, a, b, c, at);
  else setAt(ctx, key, `${a}:${b}:${c}`, at);
}

/** `SET key value PXAT at`, typed where the store offers it. */
export function setAt(ctx: ScriptContext, key: string, value: string, at: number): void {
  if (ctx.setPxat) ctx.setPxat(key, value, at);
  else ctx.call('SET', key, value, 'PXAT', String(at));
}

/** Twin of the Lua `whole`: the number of a string of 1 to 15 digits (with the given match). */
export function whole(s: string | undefined): number | undefined {
  return s !== undefined && s.length <= 15 ? Number(s) : undefined;
}
