import type { SubscriberConnection, SubscriberHooks } from '../shared/subscriber.js';
import type { NodeRedisClient } from './client.js';
import { mapError } from './errors.js';

function destroy(client: NodeRedisClient): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

/**
 * Open a duplicate of `base` with an offline queue (a SUBSCRIBE may wait for a reconnect). Its
 * first connect fails after `maxRetries + 1` failed attempts, as commands do.
 */
async function openDuplicate(
  base: NodeRedisClient,
  maxRetries: number,
  onReady: (conn: NodeRedisClient) => void,
): Promise<NodeRedisClient> {
  const conn = base.duplicate({ disableOfflineQueue: false });
  let failures = 0;
  let connected = false;
  let failFirst: ((error: unknown) => void) | undefined;
  conn.on('error', ((error: unknown) => {
    // Reconnection is node-redis's job; an unhandled 'error' event would crash the process.
    if (!connected && ++failures > maxRetries) failFirst?.(error);
  }) as (...args: never[]) => void);
  conn.on('ready', () => {
    if (connected) onReady(conn);
  });
  await new Promise<void>((resolve, reject) => {
    failFirst = (error) => {
      destroy(conn);
      reject(mapError(error, false));
    };
    conn.connect().then(() => {
      connected = true;
      resolve();
    }, failFirst);
  });
  return conn;
}

/**
 * A node-redis subscriber connection (a duplicate of the command client, or of a Cluster node's
 * client) in the shape the shared `Subscriber` drives. node-redis resubscribes while it
 * reconnects, before it reports `ready`, so a later `ready` means the subscriptions are live.
 * node-redis gives no way to drop just the socket, so a silent connection (the heartbeat's
 * verdict) is replaced by a new duplicate that subscribes the same channels.
 */
export async function nodeRedisSubscriberConnection(
  base: () => Promise<NodeRedisClient>,
  hooks: SubscriberHooks,
  maxRetries: number,
): Promise<SubscriberConnection> {
  const listener = (message: string, channel: string): void => hooks.message(channel, message);
  const channels = new Set<string>();
  let ended = false;
  const reconnected = (c: NodeRedisClient): void => {
    if (c === conn) hooks.reconnected();
  };
  let conn = await openDuplicate(await base(), maxRetries, reconnected);
  let replacing: Promise<void> | undefined;

  const replace = (): void => {
    if (replacing || ended) return;
    const old = conn;
    replacing = (async () => {
      destroy(old);
      for (;;) {
        if (ended) return;
        try {
          const fresh = await openDuplicate(await base(), maxRetries, reconnected);
          if (ended) {
            destroy(fresh);
            return;
          }
          if (channels.size > 0) await fresh.subscribe([...channels], listener);
          conn = fresh;
          hooks.reconnected();
          return;
        } catch {
          // Unreachable for now: try again after a pause (the heartbeat stays off meanwhile).
          await new Promise((r) => setTimeout(r, 200).unref?.());
        }
      }
    })().finally(() => {
      replacing = undefined;
    });
  };

  return {
    get ready() {
      return replacing === undefined && conn.isReady;
    },
    async subscribe(list) {
      for (const c of list) channels.add(c);
      await conn.subscribe([...list], listener);
    },
    async unsubscribe(list) {
      for (const c of list) channels.delete(c);
      await conn.unsubscribe([...list], listener);
    },
    ping: () => conn.sendCommand(['PING']),
    // node-redis resubscribed before it emitted `ready`; a replacement subscribed before `reconnected`.
    resubscribed: () => Promise.resolve(),
    drop: replace,
    async quit() {
      ended = true;
      // Unsubscribed before it goes: once this resolves, Redis counts no receiver here
      // (closing alone would race a PUBLISH sent right after).
      if (channels.size > 0) await conn.unsubscribe([...channels], listener);
      await conn.close();
    },
    disconnect: () => {
      ended = true;
      destroy(conn);
    },
  };
}
