import type { SubscriberConnection, SubscriberHooks } from '../shared/subscriber.js';
import type { IoredisClient } from './client.js';

/**
 * Destroy the client's socket so ioredis reconnects at once, as its own `socketTimeout` does.
 * `disconnect(true)` would only half-close it (FIN), and a stuck relay may never close its side.
 */
function dropSocket(conn: IoredisClient): void {
  const stream = (conn as { stream?: { destroy?(error?: Error): void } }).stream;
  if (typeof stream?.destroy === 'function') {
    stream.destroy(new Error('Socket timeout: the subscriber heartbeat PING got no answer'));
  } else {
    conn.disconnect(true);
  }
}

/**
 * An ioredis subscriber connection (a duplicate of the client) in the shape the shared
 * `Subscriber` drives. ioredis resubscribes after a reconnect; `resubscribed` sends a SUBSCRIBE
 * of our own behind it and waits for its reply, which tells us the subscriptions are live again.
 */
export async function ioredisSubscriberConnection(
  open: () => Promise<IoredisClient>,
  hooks: SubscriberHooks,
): Promise<SubscriberConnection> {
  const conn = await open();
  let connectedOnce = conn.status === 'ready';
  conn.on('error', () => {
    // Reconnection is ioredis's job; an unhandled 'error' event would crash the process.
  });
  conn.on('message', ((channel: string, message: string) => {
    hooks.message(channel, message);
  }) as (...args: unknown[]) => void);
  conn.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    hooks.reconnected();
  });
  // Lower-case names: ioredis tracks subscriptions by the command's own name.
  const subscribe = (channels: readonly string[]): Promise<unknown> =>
    channels.length > 0 ? conn.call('subscribe', ...channels) : Promise.resolve();
  return {
    get ready() {
      return conn.status === 'ready';
    },
    subscribe,
    unsubscribe: (channels) => conn.call('unsubscribe', ...channels),
    ping: () => conn.call('ping'),
    resubscribed: subscribe,
    drop: () => dropSocket(conn),
    quit: () => conn.quit(),
    disconnect: () => conn.disconnect(),
  };
}
