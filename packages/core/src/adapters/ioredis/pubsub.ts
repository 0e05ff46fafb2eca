import type { DriverEvents, MessageHandler, Subscription } from '../../driver.js';
import type { IoredisClient } from './client.js';
import { mapError } from './errors.js';

interface Entry {
  readonly channels: readonly string[];
  readonly handler: MessageHandler;
  readonly events: DriverEvents | undefined;
}

/**
 * One subscriber connection shared by every subscription of a store, created on the first
 * subscribe and released when the last subscription ends. ioredis resubscribes after a
 * reconnect; this class re-issues SUBSCRIBE itself and waits for its reply before it calls
 * `events.resubscribed`, so a message published after that callback is received.
 */
export class Subscriber {
  readonly #open: () => Promise<IoredisClient>;
  #conn: IoredisClient | undefined;
  readonly #entries = new Set<Entry>();
  readonly #byChannel = new Map<string, Set<Entry>>();
  /** Subscribe/unsubscribe steps run one after another so a release never races a new subscribe. */
  #queue: Promise<unknown> = Promise.resolve();

  /** `open` creates a fresh subscriber connection (a duplicate of the client). */
  constructor(open: () => Promise<IoredisClient>) {
    this.#open = open;
  }

  /** Subscribe `handler` to `channels`; resolves once Redis confirmed the subscription. */
  subscribe(
    channels: readonly string[],
    handler: MessageHandler,
    events: DriverEvents | undefined,
  ): Promise<Subscription> {
    const entry: Entry = { channels: [...new Set(channels)], handler, events };
    return this.#run(async () => {
      const conn = this.#conn ?? (await this.#connect());
      const fresh = entry.channels.filter((c) => !this.#byChannel.has(c));
      if (fresh.length > 0) await conn.call('subscribe', ...fresh);
      this.#entries.add(entry);
      for (const c of entry.channels) {
        let set = this.#byChannel.get(c);
        if (!set) {
          set = new Set();
          this.#byChannel.set(c, set);
        }
        set.add(entry);
      }
      let done = false;
      return {
        unsubscribe: (): Promise<void> => {
          if (done) return Promise.resolve();
          done = true;
          return this.#run(() => this.#remove(entry));
        },
      };
    });
  }

  /** Drop the connection and every subscription (store close). */
  close(): void {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#entries.clear();
    this.#byChannel.clear();
    conn?.disconnect();
  }

  #run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(step, step);
    this.#queue = next.catch(() => undefined);
    return next.catch((error: unknown) => {
      throw mapError(error, false);
    });
  }

  async #remove(entry: Entry): Promise<void> {
    if (!this.#entries.delete(entry)) return;
    const gone: string[] = [];
    for (const c of entry.channels) {
      const set = this.#byChannel.get(c);
      set?.delete(entry);
      if (set && set.size === 0) {
        this.#byChannel.delete(c);
        gone.push(c);
      }
    }
    const conn = this.#conn;
    if (!conn) return;
    if (this.#entries.size === 0) {
      this.#conn = undefined;
      // The last subscription ended: release the connection (QUIT is valid in subscriber mode).
      await conn.quit().catch(() => conn.disconnect());
    } else if (gone.length > 0) {
      await conn.call('unsubscribe', ...gone);
    }
  }

  async #connect(): Promise<IoredisClient> {
    const conn = await this.#open();
    let connectedOnce = false;
    conn.on('error', () => {
      // Reconnection is ioredis's job; an unhandled 'error' event would crash the process.
    });
    conn.on('message', ((channel: string, message: string) => {
      const set = this.#byChannel.get(channel);
      if (!set) return;
      for (const entry of set) {
        try {
          entry.handler(message, channel);
        } catch (error) {
          // One faulty handler must not starve the others of the same message.
          console.error('[raptorflow] [ioredis] message handler failed', error);
        }
      }
    }) as (...args: unknown[]) => void);
    conn.on('ready', () => {
      if (!connectedOnce) {
        connectedOnce = true;
        return;
      }
      if (this.#conn !== conn) return;
      void this.#resubscribed(conn);
    });
    if (conn.status === 'ready') connectedOnce = true;
    this.#conn = conn;
    return conn;
  }

  async #resubscribed(conn: IoredisClient): Promise<void> {
    const channels = [...this.#byChannel.keys()];
    try {
      // Lower-case names: ioredis tracks subscriptions by the command's own name.
      // ioredis resubscribes on its own; waiting for our own SUBSCRIBE reply (same connection,
      // so after ioredis's) tells us the subscriptions are live again.
      if (channels.length > 0) await conn.call('subscribe', ...channels);
    } catch {
      // The connection dropped again: the next 'ready' tries again.
      return;
    }
    if (this.#conn !== conn) return;
    for (const entry of [...this.#entries]) {
      try {
        entry.events?.resubscribed?.();
      } catch (error) {
        console.error('[raptorflow] [ioredis] resubscribed listener failed', error);
      }
    }
  }
}
