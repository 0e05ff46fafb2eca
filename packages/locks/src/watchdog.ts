/** A lock the watchdog looks after. */
export interface Watched {
  /** When the lock's local validity ends (`Date.now()` ms). */
  readonly expiresAt: number;
  /** When it should be extended next, or `Infinity` when it is not auto-extended. */
  readonly extendAt: number;
  /** Called once `Date.now()` reaches `min(extendAt, expiresAt)`; it updates both itself. */
  due(now: number): void;
}

/**
 * One timer per process for every lock's auto-extension and expiry, whatever the number of
 * locks and `createLocks` instances: a timer per lock is what made redis-semaphore's refresh
 * cost grow with the holders and its `onLockLost` throw from a timer (issues #9, #24). The timer
 * is armed at the earliest due time, unref'd, and idle when no lock is watched.
 */
class Watchdog {
  readonly #watched = new Set<Watched>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Number.POSITIVE_INFINITY;

  add(entry: Watched): void {
    this.#watched.add(entry);
    this.reschedule(entry);
  }

  delete(entry: Watched): void {
    this.#watched.delete(entry);
    if (this.#watched.size === 0) this.#disarm();
  }

  /** Call after an entry's times changed (only moves the timer earlier; a late fire re-arms). */
  reschedule(entry: Watched): void {
    const at = Math.min(entry.extendAt, entry.expiresAt);
    if (at < this.#at) this.#arm(at);
  }

  /** Locks watched now (for tests and stats). */
  get size(): number {
    return this.#watched.size;
  }

  #arm(at: number): void {
    this.#disarm();
    this.#at = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - Date.now()));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (const entry of this.#watched) {
      if (Math.min(entry.extendAt, entry.expiresAt) <= now) entry.due(now);
    }
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#watched) next = Math.min(next, entry.extendAt, entry.expiresAt);
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
  }
}

/** The process's one watchdog. */
export const WATCHDOG: Watchdog = new Watchdog();
