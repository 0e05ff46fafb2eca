import type { DriverEvents, MessageHandler, Subscription } from '../../driver.js';
import type { KvError } from '../../errors.js';

/**
 * A subscriber connection as {@link Subscriber} drives it, whatever the client library
 * (ioredis, node-redis): each adapter wraps its own client in this shape.
 */
export interface SubscriberConnection {
  /** True while the connection can take commands (not connecting or reconnecting). */
  readonly ready: boolean;
  subscribe(channels: readonly string[]): Promise<unknown>;
  unsubscribe(channels: readonly string[]): Promise<unknown>;
  ping(): Promise<unknown>;
  /**
   * After a reconnect: resolves once `channels` are subscribed again on the new connection
   * (ioredis: a SUBSCRIBE of our own behind its resubscription; node-redis resubscribes before
   * it reports ready).
   */
  resubscribed(channels: readonly string[]): Promise<unknown>;
  /** Destroy the socket so the client reconnects at once (the heartbeat found it silent). */
  drop(): void;
  /** Release the connection gracefully (QUIT is valid in subscriber mode). */
  quit(): Promise<unknown>;
  /** Close it at once. */
  disconnect(): void;
}

/** What the connection reports to its {@link Subscriber}. */
export interface SubscriberHooks {
  /** A message arrived on `channel`. */
  message(channel: string, message: string): void;
  /** The connection is back after a reconnect (not called for the first connect). */
  reconnected(): void;
}

interface Entry {
  readonly channels: readonly string[];
  readonly handler: MessageHandler;
  readonly events: DriverEvents | undefined;
}

/**
 * One subscriber connection shared by every subscription of a store, created on the first
 * subscribe and released when the last subscription ends. After a reconnect it waits until the
 * channels are subscribed again before it calls `events.resubscribed`, so a message published
 * after that callback is received.
 *
 * A subscriber connection has no command in flight, so a silent one (a stuck relay) would go
 * unnoticed forever and its messages (L1 invalidations among them) would be lost without a
 * sign. A heartbeat PING every `deadlineMs / 2` notices it: a PING unanswered after
 * `deadlineMs` drops the connection, which reconnects, resubscribes and calls `resubscribed`.
 */
export class Subscriber {
  readonly #open: (hooks: SubscriberHooks) => Promise<SubscriberConnection>;
  readonly #mapError: (error: unknown) => KvError;
  readonly #adapter: string;
  #conn: SubscriberConnection | undefined;
  readonly #entries = new Set<Entry>();
  readonly #byChannel = new Map<string, Set<Entry>>();
  /** Subscribe/unsubscribe steps run one after another so a release never races a new subscribe. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #deadlineMs: number;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  /**
   * `open` creates a fresh subscriber connection reporting to `hooks`; a PING unanswered after
   * `deadlineMs` reconnects it (0: no heartbeat). `adapter` names the adapter in logs.
   */
  constructor(settings: {
    open: (hooks: SubscriberHooks) => Promise<SubscriberConnection>;
    mapError: (error: unknown) => KvError;
    adapter: string;
    deadlineMs?: number | undefined;
  }) {
    this.#open = settings.open;
    this.#mapError = settings.mapError;
    this.#adapter = settings.adapter;
    this.#deadlineMs = settings.deadlineMs ?? 0;
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
      if (fresh.length > 0) await conn.subscribe(fresh);
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
      throw this.#mapError(error);
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
      // The last subscription ended: release the connection.
      await conn.quit().catch(() => conn.disconnect());
    } else if (gone.length > 0) {
      await conn.unsubscribe(gone);
    }
  }

  #deliver(channel: string, message: string): void {
    const set = this.#byChannel.get(channel);
    if (!set) return;
    for (const entry of set) {
      try {
        entry.handler(message, channel);
      } catch (error) {
        // One faulty handler must not starve the others of the same message.
        console.error(`[raptorflow] [${this.#adapter}] message handler failed`, error);
      }
    }
  }

  async #connect(): Promise<SubscriberConnection> {
    let conn: SubscriberConnection | undefined;
    conn = await this.#open({
      message: (channel, message) => this.#deliver(channel, message),
      reconnected: () => {
        if (conn !== undefined && this.#conn === conn) void this.#resubscribed(conn);
      },
    });
    this.#conn = conn;
    if (this.#deadlineMs > 0) this.#startHeartbeat(conn);
    return conn;
  }

  #startHeartbeat(conn: SubscriberConnection): void {
    this.#stopHeartbeat();
    let pending = false;
    const timer = setInterval(
      () => {
        if (this.#conn !== conn) {
          clearInterval(timer);
          return;
        }
        // While reconnecting, the client's own retry loop is at work.
        if (pending || !conn.ready) return;
        pending = true;
        const deadline = setTimeout(() => {
          // Silent for deadlineMs: drop this socket and reconnect (the client resubscribes).
          if (this.#conn === conn && conn.ready) conn.drop();
        }, this.#deadlineMs);
        deadline.unref?.();
        const settle = (): void => {
          clearTimeout(deadline);
          pending = false;
        };
        conn.ping().then(settle, settle);
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

  async #resubscribed(conn: SubscriberConnection): Promise<void> {
    try {
      await conn.resubscribed([...this.#byChannel.keys()]);
    } catch {
      // The connection dropped again: the next reconnect tries again.
      return;
    }
    if (this.#conn !== conn) return;
    for (const entry of [...this.#entries]) {
      try {
        entry.events?.resubscribed?.();
      } catch (error) {
        console.error(`[raptorflow] [${this.#adapter}] resubscribed listener failed`, error);
      }
    }
  }
}
