import { KvError } from '@raptorflow/core';

interface Pending {
  readonly at: number;
  readonly what: string;
  readonly reject: (error: KvError) => void;
  done: boolean;
}

/**
 * Deadlines of store calls without a timer per call: every call of a cache has the same
 * timeout, so calls are due in the order they started, and one interval (running only while
 * calls are pending) rejects the overdue ones, up to a tenth of the timeout late.
 */
export class DeadlineSweep {
  readonly #ms: number;
  readonly #every: number;
  readonly #pending = new Set<Pending>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(ms: number) {
    this.#ms = ms;
    this.#every = Math.max(5, Math.floor(ms / 10));
  }

  /**
   * `promise`, or `E_TIMEOUT` once the timeout passes (its effect on the store is then unknown).
   * `what` names the call in that error (`cache: <what> ...`), built only on a timeout.
   */
  track<T>(promise: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { at: Date.now() + this.#ms, what, reject, done: false };
      this.#pending.add(entry);
      if (this.#timer === undefined) this.#start();
      promise.then(
        (value) => {
          if (entry.done) return;
          entry.done = true;
          this.#pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          if (entry.done) return;
          entry.done = true;
          this.#pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  #start(): void {
    const timer = setInterval(() => this.#sweep(), this.#every);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.at > now) break;
      entry.done = true;
      this.#pending.delete(entry);
      entry.reject(new KvError('E_TIMEOUT', `cache: ${entry.what} did not complete within ${this.#ms} ms`));
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
