import { SingleBar } from 'cli-progress';
import type { Counters } from './records.js';

/** Progress on stderr (a bar from `cli-progress` on a terminal, nothing otherwise). */
export interface Progress {
  /** `done` units so far, of `total` when it is known. */
  update(done: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar when stderr is a terminal and `enabled`; silent otherwise (pipes, CI, tests).
 * `total` 0 means unknown: the bar then shows the count and the rate only.
 */
export function progress(enabled: boolean, total: number, unit: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const format =
    total > 0
      ? `{bar} {percentage}% | {value}/{total} ${unit} | {keys} keys | {rate} keys/s | ETA {eta_formatted}`
      : `{value} ${unit} | {rate} keys/s`;
  const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, etaBuffer: 50 });
  const started = Date.now();
  bar.start(total > 0 ? total : 1, 0, { keys: 0, rate: 0 });
  return {
    update(done, extra = {}) {
      const keys = typeof extra.keys === 'number' ? extra.keys : done;
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { ...extra, keys, rate: seconds > 0 ? Math.round(keys / seconds) : 0 });
    },
    stop: () => bar.stop(),
  };
}

/** Human bytes: 1.2 MB. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The closing line of a long command: what it did and what it cost. */
export function summary(what: string, counters: Counters, seconds: number, keys: number): string {
  const rate = seconds > 0 ? Math.round(keys / seconds) : keys;
  return (
    `${what} in ${seconds.toFixed(1)} s (${rate} keys/s); round trips: ${counters.roundTrips}; ` +
    `bytes read: ${counters.bytesRead} (${bytes(counters.bytesRead)}); bytes written: ${counters.bytesWritten} (${bytes(counters.bytesWritten)}); ` +
    `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`
  );
}
