import type { KvStore } from '@raptorflow/core';

/** Result of a background purge. */
export interface PurgeReport {
  /** Keys looked at. */
  readonly scanned: number;
  /** Keys of old generations deleted. */
  readonly deleted: number;
  /** True when it stopped early: cancelled, or `maxKeys` reached. */
  readonly cancelled: boolean;
}

/** A background purge in progress. */
export interface PurgeHandle {
  /** Resolves when the purge ends; never rejects (a store error ends it early). */
  readonly done: Promise<PurgeReport>;
  /** Stop after the current page. */
  cancel(): void;
}

/** Keys deleted per DEL. */
const DELETE_BATCH = 200;

/**
 * Delete, in the background, the keys of `view` matching each pattern for which `stale(key)`
 * is true: the entries a clear made unreachable. SCAN (never KEYS), at most `maxKeys` keys
 * looked at, cancellable between pages.
 */
export function startPurge(
  view: KvStore,
  patterns: readonly string[],
  stale: (key: string) => boolean,
  maxKeys: number,
): PurgeHandle {
  let cancelled = false;
  let scanned = 0;
  let deleted = 0;
  const run = async (): Promise<PurgeReport> => {
    let doomed: string[] = [];
    const flush = async (): Promise<void> => {
      if (doomed.length === 0) return;
      const keys = doomed;
      doomed = [];
      deleted += await view.del(keys);
    };
    try {
      for (const match of patterns) {
        for await (const key of view.scan({ match, count: 500 })) {
          if (cancelled || scanned >= maxKeys) break;
          scanned++;
          if (stale(key)) doomed.push(key);
          if (doomed.length >= DELETE_BATCH) await flush();
        }
        if (cancelled || scanned >= maxKeys) break;
      }
      await flush();
    } catch {
      // Purging only reclaims memory early; the entries expire by TTL anyway.
      cancelled = true;
    }
    return { scanned, deleted, cancelled: cancelled || scanned >= maxKeys };
  };
  return {
    done: run(),
    cancel: () => {
      cancelled = true;
    },
  };
}

/** The generation segment (`<ws>.<ns>`) of an entry or lease key, as numbers. */
export function generationsOf(key: string): { ws: number; ns: number } | undefined {
  // e:<ns>:<ws>.<nsg>:<key> — the namespace name has no ':'.
  const first = key.indexOf(':');
  const second = key.indexOf(':', first + 1);
  const third = key.indexOf(':', second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  const [ws, ns] = key.slice(second + 1, third).split('.');
  const w = Number(ws);
  const n = Number(ns);
  return Number.isSafeInteger(w) && Number.isSafeInteger(n) ? { ws: w, ns: n } : undefined;
}
