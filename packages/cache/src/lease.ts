import { COMPARE_AND_DELETE, compareAndDeleteArgs, randomToken } from '@raptorflow/core/kit';
import type { StoredEntry } from './backend.js';
import { gensOf } from './backend.js';
import { guard, type NamespaceScope, storeFailed } from './context.js';
import { freshness } from './freshness.js';
import { leaseKey } from './keys.js';

/** A lease this process holds. */
export interface Lease {
  readonly key: string;
  readonly token: string;
}

/** What {@link acquireOrWait} got: the lease, another process's fresh value, or "serve your stale value". */
export type LeaseOutcome =
  | { readonly kind: 'lease'; readonly lease: Lease | undefined }
  | { readonly kind: 'value'; readonly entry: StoredEntry }
  | { readonly kind: 'stale' };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 100;

async function tryAcquire(
  ns: NamespaceScope,
  key: string,
  token: string,
  ttl: number,
): Promise<Lease | undefined> {
  const g = gensOf(ns.ref);
  const lk = leaseKey(ns.config.name, g.ws, g.ns, key);
  const ok = await guard(ns.ctx, ns.ref.view.set(lk, token, { nx: true, ttl }), 'lease');
  return ok ? { key: lk, token } : undefined;
}

function report(ns: NamespaceScope, outcome: 'acquired' | 'waited' | 'timeout' | 'stale'): void {
  if (ns.ctx.events.has('lease')) ns.ctx.events.emit('lease', { ...ns.scope, outcome });
}

/**
 * Take the lease of `key` (SET NX PX with a random owner token). When another process holds
 * it: hand back `stale` when the caller has a stale value to serve, else poll the entry with
 * bounded backoff until the holder writes it, the lease frees up (the holder died or failed:
 * take it), or `wait` ms pass (then compute without a lease, as `lease: undefined`).
 */
export async function acquireOrWait(
  ns: NamespaceScope,
  key: string,
  config: { readonly ttl: number; readonly wait: number },
  hasStale: boolean,
): Promise<LeaseOutcome> {
  const token = randomToken();
  try {
    const lease = await tryAcquire(ns, key, token, config.ttl);
    if (lease) {
      report(ns, 'acquired');
      return { kind: 'lease', lease };
    }
  } catch (error) {
    if (!storeFailed(ns, error, 'lease')) throw error;
    return { kind: 'lease', lease: undefined };
  }
  if (hasStale) {
    report(ns, 'stale');
    return { kind: 'stale' };
  }
  const deadline = Date.now() + config.wait;
  // Bounded by `wait` in time and in count: the polls that fit in it at the longest delay, plus
  // the short first ones. (A fixed cap of 100 polls cut a `wait` over ~10 s short, and the
  // waiter then ran the factory beside the holder.)
  const maxPolls = Math.ceil(config.wait / MAX_DELAY_MS) + 8;
  let delay = FIRST_DELAY_MS;
  for (let i = 0; i < maxPolls && Date.now() < deadline; i++) {
    await sleep(Math.max(1, Math.min(delay, deadline - Date.now())));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
    try {
      const read = await guard(ns.ctx, ns.backend.read(ns.ref, [key], []), 'read');
      const entry = read.entries[0];
      if (entry && freshness(entry, Date.now()) === 'fresh') {
        report(ns, 'waited');
        return { kind: 'value', entry };
      }
      const lease = await tryAcquire(ns, key, token, config.ttl);
      if (lease) {
        // The holder may have written its value and released the lease between our read and
        // this SET NX: read once more before computing it again.
        const again = await guard(ns.ctx, ns.backend.read(ns.ref, [key], []), 'read');
        const written = again.entries[0];
        if (written && freshness(written, Date.now()) === 'fresh') {
          await releaseLease(ns, lease);
          report(ns, 'waited');
          return { kind: 'value', entry: written };
        }
        report(ns, 'acquired');
        return { kind: 'lease', lease };
      }
    } catch (error) {
      if (!storeFailed(ns, error, 'lease')) throw error;
      break;
    }
  }
  report(ns, 'timeout');
  return { kind: 'lease', lease: undefined };
}

/**
 * Release a lease if this process still holds it (core's compare-and-delete); failures only let
 * it expire on its own.
 */
export function releaseLease(ns: NamespaceScope, lease: Lease): Promise<void> {
  return guard(
    ns.ctx,
    ns.ref.view.eval(COMPARE_AND_DELETE, [lease.key], compareAndDeleteArgs(lease.token)),
    'release',
  ).then(
    () => {},
    () => {},
  );
}
