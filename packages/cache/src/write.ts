import type { WriteItem } from './backend.js';
import type { NamespaceScope } from './context.js';
import { encodePayload, headerPrefix } from './envelope.js';

/** A value to write, with its effective settings. */
export interface PendingWrite {
  /** Stored form of the user key. */
  readonly key: string;
  readonly value: unknown;
  readonly ttl: number;
  readonly grace: number;
  readonly jitter: number;
  readonly tags: readonly string[];
  /** Tag versions read before the value was computed (aligned with `tags`). */
  readonly versions?: readonly string[] | undefined;
  readonly negative: boolean;
}

/**
 * Build the stored entry: the fresh life is `ttl` shortened by up to `jitter` (so keys written
 * together do not expire together), the store keeps it for that plus `grace`.
 */
export function toWriteItem(ns: NamespaceScope, w: PendingWrite, now: number): WriteItem {
  const life = Math.max(1, Math.round(w.ttl * (1 - w.jitter * Math.random())));
  const grace = w.negative ? 0 : w.grace;
  const freshUntil = now + life;
  const { flags, payload } = encodePayload(ns.config.valueCodec, w.value, w.negative);
  return {
    key: w.key,
    header: headerPrefix(flags, now, freshUntil, freshUntil + grace),
    payload,
    px: life + grace,
    tags: w.tags,
    versions: w.versions,
  };
}

/**
 * Write entries in one round trip. Not `async` (a chained `then` saves promise hops on every
 * set), yet a failure to encode still arrives as a rejection, as from any store call.
 */
export function writeEntries(ns: NamespaceScope, writes: readonly PendingWrite[]): Promise<void> {
  try {
    const now = Date.now();
    const items = writes.map((w) => toWriteItem(ns, w, now));
    return ns.ctx.backend.write(ns.ref, items).then(() => {
      if (ns.ctx.events.has('write')) ns.ctx.events.emit('write', { ...ns.scope, count: items.length });
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
