import type { StoredEntry } from './backend.js';

/** `fresh`: serve; `stale`: serve only within grace (SWR, errors, timeouts, lease); `dead`: a miss. */
export type Freshness = 'fresh' | 'stale' | 'dead';

/**
 * Judge an entry at `now`. A changed hard tag version (deleteByTags) kills it; a changed soft
 * version (invalidateTags) makes it stale, usable only when it was written with a grace.
 */
export function freshness(entry: StoredEntry, now: number): Freshness {
  const e = entry.envelope;
  if (now > e.staleUntil) return 'dead';
  if (entry.current !== e.versions) {
    const current = entry.current.split(',');
    const recorded = e.versions.split(',');
    for (let i = 0; i < recorded.length; i++) {
      const r = recorded[i] as string;
      const c = current[i] ?? '0.0';
      if (r.slice(r.indexOf('.') + 1) !== c.slice(c.indexOf('.') + 1)) return 'dead';
    }
    return e.staleUntil > e.freshUntil ? 'stale' : 'dead';
  }
  return now <= e.freshUntil ? 'fresh' : 'stale';
}

/** True once `fraction` of the entry's fresh life has passed (early refresh). */
export function dueForRefresh(entry: StoredEntry, now: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  const e = entry.envelope;
  return now >= e.createdAt + fraction * (e.freshUntil - e.createdAt);
}
