import { KvError } from '../errors.js';

interface Pending {
  readonly at: number;
  readonly ms: number;
  readonly what: string;
  readonly reject: (error: KvError) => void;
  readonly onTimeout: (() => void) | undefined;
  done: boolean;
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
  const pending = new Set<Pending>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let every = Number.POSITIVE_INFINITY;

  function sweep(): void {
    const now = Date.now();
    for (const entry of pending) {
      if (entry.at > now) continue;
      entry.done = true;
      pending.delete(entry);
      entry.onTimeout?.();
      entry.reject(
        new KvError('E_TIMEOUT', `${label}: ${entry.what} did not complete within ${entry.ms} ms`),
      );
    }
    if (pending.size === 0) stop();
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
      return pending.size;
    },
    track<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: Pending = { at: Date.now() + ms, ms, what, reject, onTimeout, done: false };
        pending.add(entry);
        schedule(ms);
        promise.then(
          (value) => {
            if (entry.done) return;
            entry.done = true;
            pending.delete(entry);
            resolve(value);
          },
          (error: unknown) => {
            if (entry.done) return;
            entry.done = true;
            pending.delete(entry);
            reject(error);
          },
        );
      });
    },
  };
}
