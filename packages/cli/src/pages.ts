import type { KvStore } from '@raptorflow/core';
import type { Counters } from './records.js';

/** Options of {@link keyPages}. */
export interface KeyPageOptions {
  /** Glob (Redis MATCH). */
  match: string;
  /** Keys per batch handed to the caller (bounded memory). */
  batch: number;
  /** SCAN pages already done by an earlier run: scanned again, not handed out. @default 0 */
  skipPages?: number | undefined;
  /** Checked between batches: once true, no further batch is handed out. */
  stopped?: (() => boolean) | undefined;
}

/** A batch of keys and how far the scan has gone, for a resumable cursor. */
export interface KeyPage {
  readonly keys: string[];
  /** SCAN pages consumed so far, this batch included (the cursor to resume after it). */
  readonly pagesDone: number;
  /** Keys passed over because their pages were done by an earlier run. */
  readonly skippedKeys: number;
}

/**
 * The keys matching `match`, in batches of about `batch` keys, from the store's SCAN (every
 * master on a Cluster; each SCAN page is one round trip, counted). Resuming skips the first
 * `skipPages` pages: SCAN visits the same order again while the keyspace is not resized.
 */
export async function* keyPages(
  store: KvStore,
  options: KeyPageOptions,
  counters: Counters,
): AsyncGenerator<KeyPage> {
  const skip = options.skipPages ?? 0;
  let pagesDone = 0;
  let skippedKeys = 0;
  let pending: string[] = [];
  const count = Math.min(Math.max(options.batch, 10), 1000);
  for await (const page of store.driver.scan({ match: options.match, count })) {
    counters.roundTrips++;
    pagesDone++;
    if (pagesDone <= skip) {
      skippedKeys += page.length;
      continue;
    }
    pending.push(...page);
    if (pending.length >= options.batch) {
      if (options.stopped?.()) return;
      yield { keys: pending, pagesDone, skippedKeys };
      pending = [];
    }
  }
  if (pending.length > 0 && !options.stopped?.()) yield { keys: pending, pagesDone, skippedKeys };
}

/** A flag set by the first Ctrl-C (SIGINT); the second one exits at once. */
export function stopOnSigint(onStop: () => void = () => undefined): {
  stopped: () => boolean;
  dispose: () => void;
} {
  let stopped = false;
  const handler = () => {
    if (stopped) process.exit(130);
    stopped = true;
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)\n');
    onStop();
  };
  process.on('SIGINT', handler);
  return { stopped: () => stopped, dispose: () => process.off('SIGINT', handler) };
}

/** Delete keys in one round trip: UNLINK on Redis and Upstash (freed in the background), DEL on memory. */
export async function unlinkKeys(
  store: KvStore,
  keys: readonly string[],
  counters: Counters,
): Promise<number> {
  if (keys.length === 0) return 0;
  counters.roundTrips++;
  if (!store.capabilities.shared) return store.del(keys);
  const reply = await store.driver.command({
    argv: ['UNLINK', ...keys],
    keys: keys.map((_, i) => i + 1),
    readonly: false,
  });
  return Number(reply);
}
