import type { EnqueueInput } from './scripts/enqueue.js';

/** What one job's enqueue resolves to (the queue's `EnqueueResult`). */
export interface BatchedResult {
  readonly id: string;
  readonly duplicate: boolean;
}

/**
 * `enqueue` calls made in the same tick, sent as one `ENQUEUE` script call: each caller still
 * waits for one round trip, but the client encodes, writes and parses one command for the lot
 * and the server runs one EVALSHA (and one TIME) instead of one each. A closed loop of 64
 * producers puts several jobs in each call; a lone caller's job goes alone, a tick later.
 */
export interface EnqueueBatcher {
  /** Add one job to the tick's batch (or send it alone when it is large). */
  add(input: EnqueueInput): Promise<BatchedResult>;
  /** Send the jobs added so far now, so that a call made after them reaches the store after them. */
  flush(): void;
}

/** At most this many jobs in one script call. */
export const BATCH_MAX_JOBS = 32;
/** At most this many payload characters in one script call. */
export const BATCH_MAX_CHARS: number = 128 * 1024;
/**
 * A payload at least this long goes alone: a size refusal (`E_VALUE_TOO_LARGE`) or a slow
 * upload then concerns its own caller only.
 */
export const SOLO_CHARS: number = 16 * 1024;

type Defer = (run: () => void) => void;

/**
 * Run after the current microtasks: `process.nextTick` where there is one (the continuations of
 * the replies that arrived together have run by then and added their jobs), else a microtask
 * (edge runtimes). Taken once at load, so a test's fake `nextTick` does not hold a batch back.
 */
const DEFER: Defer = (() => {
  const proc = (globalThis as { process?: { nextTick?: (run: () => void) => void } }).process;
  const tick = proc?.nextTick;
  if (typeof tick === 'function') return (run) => tick.call(proc, run);
  return (run) => queueMicrotask(run);
})();

interface Waiter {
  resolve(result: BatchedResult): void;
  reject(error: unknown): void;
}

/** A batcher over `send`, which enqueues its jobs in one script call and resolves per job in order. */
export function enqueueBatcher(
  send: (inputs: readonly EnqueueInput[]) => Promise<readonly BatchedResult[]>,
): EnqueueBatcher {
  let inputs: EnqueueInput[] = [];
  let waiters: Waiter[] = [];
  let chars = 0;
  let scheduled = false;

  const flush = (): void => {
    if (inputs.length === 0) return;
    const batch = inputs;
    const owed = waiters;
    inputs = [];
    waiters = [];
    chars = 0;
    send(batch).then(
      (results) => {
        for (let i = 0; i < owed.length; i++) (owed[i] as Waiter).resolve(results[i] as BatchedResult);
      },
      (error: unknown) => {
        for (const w of owed) w.reject(error);
      },
    );
  };
  const onTick = (): void => {
    scheduled = false;
    flush();
  };

  return {
    add(input) {
      const size = input.payload.length;
      if (size >= SOLO_CHARS) {
        flush();
        return send([input]).then((results) => results[0] as BatchedResult);
      }
      if (chars + size > BATCH_MAX_CHARS) flush();
      const done = new Promise<BatchedResult>((resolve, reject) => {
        waiters.push({ resolve, reject });
      });
      inputs.push(input);
      chars += size;
      if (inputs.length >= BATCH_MAX_JOBS) flush();
      else if (!scheduled) {
        scheduled = true;
        DEFER(onTick);
      }
      return done;
    },
    flush,
  };
}
