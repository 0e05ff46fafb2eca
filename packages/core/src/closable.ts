import type { KvDriver } from './driver.js';
import { KvError } from './errors.js';

/** Whether a store is closed: read by code that answers without its driver (L1's hit path). */
export interface CloseState {
  /** True from the moment `close()` was called. */
  readonly closed: boolean;
}

/** The guard of each driver guarded so far (one per driver), and the state of each guard. */
const guards = new WeakMap<KvDriver, KvDriver>();
const states = new WeakMap<KvDriver, CloseState>();

/** The error of every call made once a store is closing or closed. */
export function closedError(adapter: string): KvError {
  return new KvError('E_CLOSED', 'the store is closed', { adapter });
}

/** The close state of a driver returned by {@link closable} (or of the driver it guards). */
export function closeStateOf(driver: KvDriver): CloseState {
  return states.get(closable(driver)) as CloseState;
}

/**
 * The one place that handles a closed store, for every adapter and layer: `createStore` puts
 * it around each driver it is given (namespace views excepted: they are the store's own).
 *
 * - From the moment `close()` is called, every command, script, batch, scan page, publish and
 *   subscribe rejects with `E_CLOSED`, before the driver sees it: an adapter sends nothing, and
 *   a layer that answers without its driver (L1) reads {@link closeStateOf}.
 * - `close()` runs the driver's close once; later and concurrent calls share its promise.
 * - Calls already in flight finish or fail as the driver decides (ioredis reports them as
 *   `E_CLOSED`).
 *
 * The guard inherits from the driver (`Object.create`), so its `name`, `capabilities`, chain
 * (`inner`, `layer`, `prefix`) and extra members (`requests`, `sweep`) read through. It costs a
 * test and one extra call per command: no closure or promise of its own.
 */
export function closable(driver: KvDriver): KvDriver {
  if (states.has(driver)) return driver;
  const existing = guards.get(driver);
  if (existing) return existing;

  let closing: Promise<void> | undefined;
  const state: CloseState = {
    get closed() {
      return closing !== undefined;
    },
  };
  const refuse = (): Promise<never> => Promise.reject(closedError(driver.name));

  const guard = Object.create(driver) as { -readonly [K in keyof KvDriver]: KvDriver[K] };
  guard.command = (command) => (closing ? refuse() : driver.command(command));
  guard.script = (call) => (closing ? refuse() : driver.script(call));
  guard.batch = (entries) => (closing ? refuse() : driver.batch(entries));
  const { scriptSync } = driver;
  if (scriptSync) {
    guard.scriptSync = (call) => {
      if (closing) throw closedError(driver.name);
      return scriptSync.call(driver, call);
    };
  }
  guard.scan = async function* (request) {
    if (closing) throw closedError(driver.name);
    for await (const page of driver.scan(request)) {
      if (closing) throw closedError(driver.name);
      yield page;
    }
  };
  const { publish, subscribe } = driver;
  if (publish) {
    guard.publish = (channel, message) => (closing ? refuse() : publish.call(driver, channel, message));
  }
  if (subscribe) {
    guard.subscribe = (channels, handler, events) =>
      closing ? refuse() : subscribe.call(driver, channels, handler, events);
  }
  guard.close = () => {
    closing ??= driver.close();
    return closing;
  };
  states.set(guard, state);
  guards.set(driver, guard);
  return guard;
}
