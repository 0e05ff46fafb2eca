import type { Histogram } from './histogram.js';

/** Bounds and shape of one closed-loop phase. */
export interface LoopOptions {
  /** Workers, each awaiting `op` back to back: the number of operations in flight. */
  readonly concurrency: number;
  /** Stop after this many operations. */
  readonly maxOps: number;
  /** Stop starting operations after this long, ms. */
  readonly maxMs: number;
  /** Index passed to the first operation. */
  readonly firstIndex: number;
  /** Records each operation's latency when given. */
  readonly histogram?: Histogram | undefined;
}

/** What a phase did. */
export interface LoopResult {
  /** Operations completed. */
  readonly ops: number;
  /** From the first start to the last completion, ms. */
  readonly elapsedMs: number;
  /** `performance.now()` at the start. */
  readonly startedAt: number;
}

/**
 * A closed loop: `concurrency` workers, each awaiting `op(i)` back to back, until `maxOps`
 * operations were started or `maxMs` passed. The first failing operation stops every worker
 * and rejects, since a run with errors measures the wrong thing.
 */
export async function closedLoop(
  op: (i: number) => Promise<unknown>,
  options: LoopOptions,
): Promise<LoopResult> {
  const { concurrency, histogram } = options;
  const startedAt = performance.now();
  const deadline = startedAt + options.maxMs;
  const end = options.firstIndex + options.maxOps;
  let next = options.firstIndex;
  let done = 0;
  let failed = false;

  const worker = async (): Promise<void> => {
    while (!failed && next < end) {
      const t0 = performance.now();
      if (t0 >= deadline) return;
      const i = next++;
      try {
        await op(i);
      } catch (error) {
        failed = true;
        throw error;
      }
      if (histogram) histogram.record(performance.now() - t0);
      done++;
    }
  };

  const workers: Promise<void>[] = [];
  for (let w = 0; w < concurrency; w++) workers.push(worker());
  await Promise.all(workers);
  return { ops: done, elapsedMs: performance.now() - startedAt, startedAt };
}
