import type { KvDriver } from '../../driver.js';
import { KvError } from '../../errors.js';
import type { IoredisClient } from './client.js';
import { ADAPTER, mapError } from './errors.js';

/**
 * Hold every call until Redis has accepted `SELECT db` once. ioredis sends its own SELECT on
 * connect but only reports a failure as an `error` event, after it has already flushed the
 * queued commands behind it: `redis://host/99999` on a server with 16 databases wrote to db 0
 * without a sign. Here the first call sends one SELECT of its own (one extra round trip per
 * store, none for db 0) and waits for it; if Redis refuses it, every call fails with
 * `E_INVALID_OPTIONS` and the client is disconnected so that nothing ever lands in db 0.
 * A connection failure is not a verdict: the next call tries again.
 */
export function checkDatabase(driver: KvDriver, client: IoredisClient, db: number): KvDriver {
  if (db === 0) return driver;
  let verified = false;
  let refused: KvError | undefined;
  let pending: Promise<void> | undefined;

  const check = (): Promise<void> => {
    pending ??= (client.call('SELECT', String(db)) as Promise<unknown>).then(
      () => {
        verified = true;
      },
      (error: unknown) => {
        pending = undefined;
        if ((error as { name?: unknown } | null)?.name !== 'ReplyError') throw mapError(error, false);
        refused = new KvError(
          'E_INVALID_OPTIONS',
          `ioredisAdapter: db: Redis refused database ${db} (${(error as Error).message})`,
          { adapter: ADAPTER, cause: error },
        );
        client.disconnect();
        throw refused;
      },
    );
    return pending;
  };
  const gated = <T>(run: () => Promise<T>): Promise<T> => {
    if (verified) return run();
    if (refused) return Promise.reject(refused);
    return check().then(run);
  };

  const gatedDriver: KvDriver = {
    name: driver.name,
    capabilities: driver.capabilities,
    command: (command) => gated(() => driver.command(command)),
    script: (call) => gated(() => driver.script(call)),
    batch: (entries) => gated(() => driver.batch(entries)),
    async *scan(request) {
      if (!verified) await gated(() => Promise.resolve());
      yield* driver.scan(request);
    },
    close: () => driver.close(),
  };
  const { publish, subscribe } = driver;
  if (publish) gatedDriver.publish = (channel, message) => gated(() => publish(channel, message));
  // Pub/sub channels are not per database: subscribing needs no SELECT.
  if (subscribe) gatedDriver.subscribe = subscribe;
  return gatedDriver;
}
