import { KvError } from '@raptorflow/core';

interface Waiter {
  at: number;
  fail: (error: KvError) => void;
}

/**
 * Per-call time limits without a timer per call: one coarse, unref'd sweep timer per limiter
 * fails the calls past their deadline. A timer per call (setTimeout + Promise.race) cost more
 * than the whole rate-limit script on the client (~19 µs/op measured). Deadlines are enforced
 * within `ms / 4` (at least 5 ms) late.
 *
 * The store call itself is not cancelled (a store cannot take a command back); its late outcome
 * is ignored and the caller learns `E_TIMEOUT`.
 */
export function createDeadlines(ms: number, adapter: string): <T>(promise: Promise<T>) => Promise<T> {
  const waiting = new Set<Waiter>();
  const tick = Math.max(5, Math.floor(ms / 4));
  let timer: ReturnType<typeof setInterval> | undefined;
  const sweep = (): void => {
    const now = Date.now();
    for (const w of waiting) {
      if (w.at <= now) {
        waiting.delete(w);
        w.fail(new KvError('E_TIMEOUT', `rate-limit call took more than ${ms} ms`, { adapter }));
      }
    }
    if (waiting.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const w: Waiter = { at: Date.now() + ms, fail: reject };
      waiting.add(w);
      if (timer === undefined) {
        timer = setInterval(sweep, tick);
        // Never keep a process alive for a rate limiter.
        (timer as { unref?: () => void }).unref?.();
      }
      promise.then(
        (value) => {
          waiting.delete(w);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(w);
          reject(error);
        },
      );
    });
}
