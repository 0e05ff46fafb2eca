import type { DriverEvents, MessageHandler, Subscription } from '../../driver.js';
import type { IoredisClient } from './client.js';
import { mapError } from './errors.js';

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
 *
 * A subscriber connection has no command in flight, so a silent one (a stuck relay) would go
 * unnoticed forever and its messages (L1 invalidations among them) would be lost without a
 * sign. A heartbeat PING every `deadlineMs / 2` notices it: a PING unanswered after
 * `deadlineMs` makes the connection reconnect, which resubscribes and calls `resubscribed`.
 */
export class Subscriber {
  readonly #open: () => Promise<IoredisClient>;
  #conn: IoredisClient | undefined;
  readonly #entries = new Set<Entry>();
  readonly #byChannel = new Map<string, Set<Entry>>();
  /** Subscribe/unsubscribe steps run one after another so a release never races a new subscribe. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #deadlineMs: number;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  /**
   * `open` creates a fresh subscriber connection (a duplicate of the client); a PING
   * unanswered after `deadlineMs` reconnects it (0: no heartbeat).
   */
  constructor(open: () => Promise<IoredisClient>, deadlineMs = 0) {
    this.#open = open;
    this.#deadlineMs = deadlineMs;
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
    this.#stopHeartbeat();
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
      this.#stopHeartbeat();
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
    if (this.#deadlineMs > 0) this.#startHeartbeat(conn);
    return conn;
  }

  #startHeartbeat(conn: IoredisClient): void {
    this.#stopHeartbeat();
    let pending = false;
    const timer = setInterval(
      () => {
        if (this.#conn !== conn) {
          clearInterval(timer);
          return;
        }
        // While reconnecting, ioredis's own retry loop is at work.
        if (pending || conn.status !== 'ready') return;
        pending = true;
        const deadline = setTimeout(() => {
          // Silent for deadlineMs: drop this socket and reconnect (ioredis resubscribes).
          if (this.#conn === conn && conn.status === 'ready') dropSocket(conn);
        }, this.#deadlineMs);
        deadline.unref?.();
        const settle = (): void => {
          clearTimeout(deadline);
          pending = false;
        };
        conn.call('ping').then(settle, settle);
      },
      Math.max(10, Math.floor(this.#deadlineMs / 2)),
    );
    timer.unref?.();
    this.#heartbeat = timer;
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
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
