import type { Codec } from '../codecs.js';
import type { KvDriver, LayerControls, LayerKind } from '../driver.js';
import type { KvStore } from '../types.js';
import type { L1Cache, L1Key } from './l1.js';

/**
 * Per driver, the control found for each kind (`null`: none). A driver's chain (`inner`,
 * `layer`, `prefix`) never changes after it is built, so a lookup is walked once per driver:
 * feature packages may call `findLayer` on their hot path.
 */
const found = new WeakMap<KvDriver, Map<LayerKind, unknown>>();

function driverOf(of: KvStore | KvDriver): KvDriver {
  return 'driver' in of ? of.driver : of;
}

/**
 * The driver at the end of the chain: the adapter's own driver, under every layer and
 * namespace view (for `withFailover`, the primary's). Stores that share it share one backend.
 */
export function rootDriver(of: KvStore | KvDriver): KvDriver {
  let driver = driverOf(of);
  while (driver.inner !== undefined) driver = driver.inner;
  return driver;
}

/**
 * How `withL1` builds its control for a view adding `prefix`, by the control of its root: a
 * view found through a namespace chain then gets the L1's own view (the prefix joined once,
 * the counters read directly) rather than a wrapper that forwards each call.
 */
export const L1_VIEWS: WeakMap<L1Cache, (prefix: string) => L1Cache> = new WeakMap();

/**
 * The L1 control as seen from namespace views above the L1 that add `prefix`, for an L1 that
 * did not register its views in {@link L1_VIEWS}: only the
 * key-taking methods change; counters, `epoch`, events, `clear` and `flush` are the whole L1's.
 */
function l1At(l1: L1Cache, prefix: string): L1Cache {
  return {
    get stats() {
      return l1.stats;
    },
    events: l1.events,
    ready: l1.ready,
    getDecoded: (key, codec) => l1.getDecoded(prefix + key, codec),
    key: (key) => l1.key(prefix + key),
    // A resolved key already holds the view's prefix.
    peekDecoded: (<T>(key: string | L1Key, codec: Codec<T>, notAfter?: number) =>
      l1.peekDecoded(
        typeof key === 'string' ? prefix + key : key,
        codec,
        notAfter as number,
      )) as L1Cache['peekDecoded'],
    peekDecodedUntil: (key, codec) =>
      l1.peekDecodedUntil(typeof key === 'string' ? prefix + key : key, codec),
    get epoch() {
      return l1.epoch;
    },
    clear: () => l1.clear(),
    flush: () => l1.flush(),
  };
}

function walk(driver: KvDriver, kind: LayerKind): unknown {
  // Namespace prefixes met between the store and the layer, outermost last: a key `k` of the
  // store reaches the layer as `prefix + k`.
  let prefix = '';
  for (let d: KvDriver | undefined = driver; d !== undefined; d = d.inner) {
    const layer = d.layer;
    if (layer !== undefined && layer.kind === kind) {
      if (layer.kind !== 'l1' || prefix === '') return layer.control;
      return L1_VIEWS.get(layer.control)?.(prefix) ?? l1At(layer.control, prefix);
    }
    if (d.prefix !== undefined) prefix = d.prefix + prefix;
  }
  return null;
}

/**
 * The control of the nearest layer of `kind` under `store` (or a driver), whatever the order of
 * the layers and through any `.namespace()` views; `undefined` when the stack has none.
 *
 * - `l1`: the {@link L1Cache}; its key-taking methods (`getDecoded`, `peekDecoded`) take keys
 *   relative to `store`, so a feature holding a view passes its own keys.
 * - `failover`: the `FailoverControl` (`policy`, `state`, `stats`, `events`, `withPolicy`).
 * - `instrument`: the `InstrumentControl` (`events`).
 *
 * The answer is remembered per driver, so repeated calls cost a map lookup.
 *
 * @example
 * const kv = instrument(withL1(withFailover(ioredisAdapter({ url }))));
 * findLayer(kv.namespace('cache:'), 'l1')?.peekDecoded('user:1', codec); // reads `cache:user:1`
 * findLayer(kv, 'failover')?.policy; // 'fallback'
 */
export function findLayer<K extends LayerKind>(
  store: KvStore | KvDriver,
  kind: K,
): LayerControls[K] | undefined {
  const driver = driverOf(store);
  let byKind = found.get(driver);
  if (byKind === undefined) {
    byKind = new Map();
    found.set(driver, byKind);
  }
  let control = byKind.get(kind);
  if (control === undefined) {
    control = walk(driver, kind);
    byKind.set(kind, control);
  }
  return control === null ? undefined : (control as LayerControls[K]);
}
