import type { ScriptContext } from '@raptorflow/core';

/** Names of the algorithms a limiter can run. */
export type AlgorithmName = 'gcra' | 'fixed-window' | 'sliding-window' | 'sliding-log' | 'token-bucket';

/**
 * What one limit's check found, before anything is written. The envelope script (see
 * `scripts.ts`) combines the checks of every limit of a call, then commits all or none.
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
 * One algorithm: a pair of Lua functions and their JavaScript twins, spliced into the
 * envelope script. Lua `check(key, limit, window, burst, cost, now)` returns
 * `allowed, remNow, remTaken, resetNow, resetTaken, retry, state`; `commit(key, limit,
 * window, burst, cost, now, state)` writes the new state with a PEXPIRE.
 */
export interface Algorithm {
  readonly name: AlgorithmName;
  /** Lua source defining `local function check(...)` and `local function commit(...)`. */
  readonly lua: string;
  /** Twin of the Lua `check`. */
  check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck;
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

/** Lua's `%` for doubles (`a - floor(a/b)*b`), which differs from JavaScript's for negative `a`. */
export function luaMod(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

/** A reply of GET as a string or null. */
export function asString(reply: unknown): string | null {
  return typeof reply === 'string' ? reply : null;
}
