import { KvError } from '../errors.js';

/**
 * A tracked call, linked into the list of calls waiting for their deadline. `reject` is
 * `undefined` once the call has ended (settled or timed out) and left the list.
 */
interface Pending {
  readonly at: number;
  readonly ms: number;
  readonly what: string;
  reject: ((error: KvError) => void) | undefined;
  onTimeout: (() => void) | undefined;
  prev: Pending | undefined;
  next: Pending | undefined;
}

/** Time limits on promises; see {@link createDeadlines}. */
export interface Deadlines {
  /**
   * `promise`, or `E_TIMEOUT` once `ms` have passed (`<label>: <what> did not complete within
   * <ms> ms`). The promise is not cancelled: a store call that timed out may still take effect,
   * which is why its outcome is unknown. `onTimeout` runs first when the deadline fires.
   */
  track<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T>;
  /** Calls waiting for their deadline now. */
  readonly pending: number;
}

/**
 * The one deadline mechanism of every package: no timer per call. A timer per call
 * (`setTimeout` + `Promise.race`) cost more than a whole rate-limit script on the client
 * (~19 µs/op measured); here one unref'd interval per instance runs only while calls are
 * pending and rejects the overdue ones. A deadline fires at most a tenth of the shortest
 * tracked time limit late (at least 5 ms, at most 100 ms late).
 *
 * `label` starts every timeout message (`cache`, `rate-limit`, `withFailover`).
 */
export function createDeadlines(label: string): Deadlines {
  // The waiting calls, oldest first, as a list linked through the entries themselves. Not a
  // `Set`: measured on the cache's L2 get (64 in flight, ioredis, 6 runs each), a long-lived Set
  // that every call joins and leaves made most of each call's objects outlive two young-generation
  // collections and move to the old one (GC 124–219 ms per second, 8.8–11.7 µs of client CPU per
  // get); without it, 29–37 ms per second and 5.2–8.9 µs. An entry that leaves the list lets go of
  // its neighbours and of the caller's promise at once.
  let head: Pending | undefined;
  let tail: Pending | undefined;
  let size = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let every = Number.POSITIVE_INFINITY;

  function join(entry: Pending): void {
    entry.prev = tail;
    if (tail === undefined) head = entry;
    else tail.next = entry;
    tail = entry;
    size++;
  }

  /** Take an entry out of the list; false when it had already ended. */
  function leave(entry: Pending): boolean {
    if (entry.reject === undefined) return false;
    const { prev, next } = entry;
    if (prev === undefined) head = next;
    else prev.next = next;
    if (next === undefined) tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    entry.reject = undefined;
    entry.onTimeout = undefined;
    size--;
    return true;
  }

  function sweep(): void {
    const now = Date.now();
    let entry = head;
    while (entry !== undefined) {
      const next = entry.next;
      const { reject, onTimeout } = entry;
      if (entry.at <= now && leave(entry)) {
        onTimeout?.();
        reject?.(new KvError('E_TIMEOUT', `${label}: ${entry.what} did not complete within ${entry.ms} ms`));
      }
      entry = next;
    }
    if (size === 0) stop();
  }

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
    every = Number.POSITIVE_INFINITY;
  }

  function schedule(ms: number): void {
    const tick = Math.min(100, Math.max(5, Math.floor(ms / 10)));
    if (timer !== undefined && tick >= every) return;
    if (timer !== undefined) clearInterval(timer);
    every = tick;
    timer = setInterval(sweep, tick);
    // A time limit must never keep a process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    get pending() {
      return size;
    },
    track<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: Pending = {
          at: Date.now() + ms,
          ms,
          what,
          reject,
          onTimeout,
          prev: undefined,
          next: undefined,
        };
        join(entry);
        schedule(ms);
        promise.then(
          (value) => {
            if (leave(entry)) resolve(value);
          },
          (error: unknown) => {
            if (leave(entry)) reject(error);
          },
        );
      });
    },
  };
}
