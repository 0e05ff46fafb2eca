import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/** Garbage collections seen in a time window. */
export interface GcSummary {
  /** Collections that started in the window. */
  readonly count: number;
  /** Their total pause, ms. */
  readonly totalMs: number;
}

/** Watches GC pauses through `PerformanceObserver('gc')`; cheap enough to leave on. */
export interface GcWatch {
  /** Collections that started between `from` and `to` (`performance.now()` values). */
  summary(from: number, to: number): Promise<GcSummary>;
  stop(): void;
}

/** Start watching GC. */
export function watchGc(): GcWatch {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) entries.push(e);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async summary(from, to) {
      // Entries are delivered from the event loop: a loop of pure microtasks (memory adapter)
      // holds them back until it yields, so give the queue a turn before reading.
      await new Promise((resolve) => setTimeout(resolve, 20));
      let count = 0;
      let totalMs = 0;
      for (const e of entries) {
        if (e.startTime < from || e.startTime > to) continue;
        count++;
        totalMs += e.duration;
      }
      return { count, totalMs };
    },
    stop() {
      observer.disconnect();
    },
  };
}
