import type { KvError } from '@raptorflow/core';
import { WATCHDOG, type Watched } from './watchdog.js';

/** A held lock (a mutex on one or more resources, or permits of a semaphore). */
export interface Lock extends AsyncDisposable {
  /** The resource (the first one of a multi-resource lock). */
  readonly resource: string;
  /** Every resource of the lock, in the order given. */
  readonly resources: readonly string[];
  /** The owner's token: release and extend act only while the store holds it. */
  readonly token: string;
  /**
   * The fencing token of `resource`: strictly greater than that of every earlier holder of the
   * resource. Send it with each write to the resource the lock protects, and have the resource
   * refuse an older one (`locks.fencedWrite` does that for data kept in the store).
   */
  readonly fence: number;
  /** The fencing token of each resource, in the order of `resources`. */
  readonly fences: readonly number[];
  /**
   * Aborts when the lock is lost: an extension found another owner (`E_LOCK_LOST`), or the TTL
   * passed without one (`E_LOCK_EXPIRED`). `signal.reason` is that `KvError`. Not aborted by
   * `release()`.
   */
  readonly signal: AbortSignal;
  /** The end of the lock's validity as this process counts it (`Date.now()` ms, with a drift margin). */
  readonly expiresAt: number;
  /** True from acquisition until release or loss. */
  readonly held: boolean;
  /**
   * Release the lock: one round trip. Releasing twice does nothing. Rejects `E_LOCK_LOST` when
   * the store no longer holds the token (the lock expired and may belong to another owner).
   */
  release(): Promise<void>;
  /**
   * Set the lock's TTL to `ttl` from now (not added to what is left: redlock's meaning; ms or a
   * Duration string): one round trip. Rejects `E_LOCK_LOST` (and aborts `signal`) when the store
   * no longer holds the token: an expired lock is never taken again by an extension.
   * @default the TTL the lock was acquired with
   */
  extend(ttl?: number | string): Promise<void>;
}

/** What a {@link LockHandle} needs from its `createLocks` instance. */
export interface LockOps {
  /** Release in the store; resolves to false when the token was not there any more. */
  release(lock: LockHandle): Promise<boolean>;
  /** Extend in the store by `ttl` ms; false when the token was not there any more. */
  extend(lock: LockHandle, ttl: number): Promise<boolean>;
  /** Parse an extend argument (`E_INVALID_ARGUMENT`). */
  ttlOf(value: unknown): number;
  /** The lock was lost: report it (event), never throw. */
  lost(lock: LockHandle, error: KvError): void;
  /** The lock stopped being held (released, or lost): called once. */
  ended?(lock: LockHandle): void;
  /** `E_LOCK_LOST` / `E_LOCK_EXPIRED` for this lock. */
  lossError(lock: LockHandle, code: 'E_LOCK_LOST' | 'E_LOCK_EXPIRED', cause?: unknown): KvError;
}

/** Drift margin on the local validity, as redlock: 1% of the TTL plus 2 ms. */
export function validityEnd(startedAt: number, ttl: number): number {
  return startedAt + ttl - Math.floor(ttl * 0.01) - 2;
}

/** The lock object `acquire` returns; see {@link Lock}. */
export class LockHandle implements Lock, Watched {
  readonly resources: readonly string[];
  readonly token: string;
  readonly fences: readonly number[];
  readonly ttl: number;
  readonly autoExtend: boolean;
  /** Internal: what the ops need (keys, group); opaque to the handle. */
  readonly state: unknown;
  readonly #ops: LockOps;
  // Made when `signal` is first read, or at the loss: most locks are released without anyone
  // reading it, and an AbortController (an EventTarget) was the costliest allocation per lock.
  #controller: AbortController | undefined;
  /** Why the lock was lost; set once, before `signal` aborts. */
  #lostWith: KvError | undefined;
  #held = true;
  #expiresAt: number;
  #extendAt: number;
  #extending = false;
  #ended = false;

  constructor(
    ops: LockOps,
    init: {
      resources: readonly string[];
      token: string;
      fences: readonly number[];
      ttl: number;
      startedAt: number;
      autoExtend: boolean;
      state: unknown;
    },
  ) {
    this.#ops = ops;
    this.resources = init.resources;
    this.token = init.token;
    this.fences = init.fences;
    this.ttl = init.ttl;
    this.autoExtend = init.autoExtend;
    this.state = init.state;
    this.#expiresAt = validityEnd(init.startedAt, init.ttl);
    this.#extendAt = this.#nextExtend(init.startedAt);
    WATCHDOG.add(this);
  }

  get resource(): string {
    return this.resources[0] as string;
  }
  get fence(): number {
    return this.fences[0] as number;
  }
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#lostWith) this.#controller.abort(this.#lostWith);
    }
    return this.#controller.signal;
  }
  get expiresAt(): number {
    return this.#expiresAt;
  }
  get extendAt(): number {
    return this.#extending ? Number.POSITIVE_INFINITY : this.#extendAt;
  }
  get held(): boolean {
    return this.#held;
  }

  release(): Promise<void> {
    if (!this.#held) return this.#lostWith ? Promise.reject(this.#lostWith) : Promise.resolve();
    this.#held = false;
    WATCHDOG.delete(this);
    // No async frame (half of every acquire + release). The gate is left after the release's
    // round trip, so the next local caller's acquire follows it. A store failure rejects as it
    // is: the lock's fate is unknown and it expires by its TTL.
    return this.#ops.release(this).then(
      (released) => {
        if (!released) {
          const error = this.#ops.lossError(this, 'E_LOCK_LOST');
          this.#lose(error);
          throw error;
        }
        this.#end();
      },
      (error: unknown) => {
        this.#end();
        throw error;
      },
    );
  }

  async extend(ttl?: number | string): Promise<void> {
    const ms = ttl === undefined ? this.ttl : this.#ops.ttlOf(ttl);
    if (!this.#held) throw this.#lostWith ?? this.#ops.lossError(this, 'E_LOCK_LOST');
    const startedAt = Date.now();
    const extended = await this.#ops.extend(this, ms);
    // Released (or already reported lost) while the extension was in flight: an extension that
    // then finds no token is the release's doing, not a loss (redis-semaphore #205).
    if (!this.#held) return;
    if (!extended) {
      const error = this.#ops.lossError(this, 'E_LOCK_LOST');
      this.#lose(error);
      throw error;
    }
    this.#expiresAt = validityEnd(startedAt, ms);
    this.#extendAt = this.#nextExtend(startedAt, ms);
    WATCHDOG.reschedule(this);
  }

  /**
   * `await using lock = await locks.acquire(...)`: releases at the end of the block. A lock
   * whose loss was already signalled is not reported again here (its `signal` said it).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#lostWith) return;
    await this.release();
  }

  /** Called by the watchdog: extend (auto-extension) or declare the lock expired. */
  due(now: number): void {
    if (!this.#held) {
      WATCHDOG.delete(this);
      return;
    }
    if (now >= this.#expiresAt) {
      this.#lose(this.#ops.lossError(this, 'E_LOCK_EXPIRED'));
      return;
    }
    if (!this.autoExtend || this.#extending) return;
    this.#extending = true;
    // Never a rejection into the void: every outcome is handled here (redis-semaphore #9, #24).
    this.extend().then(
      () => {
        this.#extending = false;
        if (this.#held) WATCHDOG.reschedule(this);
      },
      () => {
        this.#extending = false;
        // A loss was reported by extend(); a store failure is retried every tenth of the TTL
        // until the lock expires by the local clock.
        if (!this.#held) return;
        this.#extendAt = Date.now() + Math.max(1, Math.floor(this.ttl / 10));
        WATCHDOG.reschedule(this);
      },
    );
  }

  #nextExtend(from: number, ttl = this.ttl): number {
    // A third of the TTL: two more tries before the lock expires if one extension fails.
    return this.autoExtend ? from + Math.max(1, Math.floor(ttl / 3)) : Number.POSITIVE_INFINITY;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#ops.ended?.(this);
  }

  #lose(error: KvError): void {
    this.#held = false;
    WATCHDOG.delete(this);
    this.#end();
    // Reported once: a release that finds the lock gone after its TTL already aborted it.
    if (this.#lostWith) return;
    this.#lostWith = error;
    this.#controller?.abort(error);
    this.#ops.lost(this, error);
  }
}
