import type { WriteItem } from './backend.js';
import type { NamespaceScope } from './context.js';
import { bindingOf, type NamespaceEncryption, sealPayload } from './encryption.js';
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

/** A built entry, with the parts of its header an encrypted payload is bound to. */
interface Built {
  readonly item: WriteItem;
  readonly flags: string;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

/**
 * Build the stored entry: the fresh life is `ttl` shortened by up to `jitter` (so keys written
 * together do not expire together), the store keeps it for that plus `grace`.
 */
function build(ns: NamespaceScope, w: PendingWrite, now: number): Built {
  const life = Math.max(1, Math.round(w.ttl * (1 - w.jitter * Math.random())));
  const grace = w.negative ? 0 : w.grace;
  const freshUntil = now + life;
  const { flags, payload } = encodePayload(ns.config.valueCodec, w.value, w.negative);
  const item: WriteItem = {
    key: w.key,
    header: headerPrefix(flags, now, freshUntil, freshUntil + grace),
    payload,
    px: life + grace,
    tags: w.tags,
    versions: w.versions,
  };
  return { item, flags, freshUntil, staleUntil: freshUntil + grace };
}

/** {@link build} for an encrypted namespace: the payload sealed, bound to its key and header. */
async function buildSealed(
  ns: NamespaceScope,
  enc: NamespaceEncryption,
  w: PendingWrite,
  now: number,
): Promise<WriteItem> {
  const { item, flags, freshUntil, staleUntil } = build(ns, w, now);
  // A stored `undefined` has no payload: nothing to hide.
  if (w.value === undefined) return item;
  const binding = bindingOf(ns.scope.workspace, ns.config.name, w.key, flags, now, freshUntil, staleUntil);
  return { ...item, payload: await sealPayload(enc, binding, item.payload) };
}

function send(ns: NamespaceScope, items: readonly WriteItem[]): Promise<void> {
  return ns.backend.write(ns.ref, items).then(() => {
    if (ns.ctx.events.has('write')) ns.ctx.events.emit('write', { ...ns.scope, count: items.length });
  });
}

/**
 * Write entries in one round trip. Not `async` (a chained `then` saves promise hops on every
 * set), yet a failure to encode still arrives as a rejection, as from any store call. Only an
 * encrypted namespace waits for its values to be sealed first.
 */
export function writeEntries(ns: NamespaceScope, writes: readonly PendingWrite[]): Promise<void> {
  try {
    const now = Date.now();
    const enc = ns.config.encryption;
    if (enc) {
      return Promise.all(writes.map((w) => buildSealed(ns, enc, w, now))).then((items) => send(ns, items));
    }
    return send(
      ns,
      writes.map((w) => build(ns, w, now).item),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}
