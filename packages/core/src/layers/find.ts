import type { KvDriver, LayerControls, LayerKind } from '../driver.js';
import type { KvStore } from '../types.js';

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

function walk(driver: KvDriver, kind: LayerKind): unknown {
  // Namespace prefixes met between the store and the layer, outermost last: a key `k` of the
  // store reaches the layer as `prefix + k`.
  let prefix = '';
  for (let d: KvDriver | undefined = driver; d !== undefined; d = d.inner) {
    const layer = d.layer;
    if (layer !== undefined && layer.kind === kind) {
      // Through namespace views, L1's own control for the view: the prefix joined once.
      return layer.kind === 'l1' && prefix !== '' ? layer.view(prefix) : layer.control;
    }
    if (d.prefix !== undefined) prefix = d.prefix + prefix;
  }
  return null;
}

/**
 * The control of the nearest layer of `kind` under `store` (or a driver), whatever the order of
 * the layers and through any `.namespace()` views; `undefined` when the stack has none.
 *
 * - `l1`: the `L1Cache`; its key-taking methods (`getDecoded`, `peekDecoded`) take keys
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
