import type { KvDriver, Subscription } from '../driver.js';
import { KvError, toKvError } from '../errors.js';
import { randomToken } from '../kit/token.js';
import type { L1State } from './l1-cache.js';

/** Keys per message, so one flush of a large batch does not build a huge string. */
const KEYS_PER_MESSAGE = 500;
const CLEAR = '*';

/**
 * Cross-process L1 invalidation over the store's pub/sub. A message is `<sender id>:<JSON array
 * of keys>` (or `<sender id>:*` to empty every L1): keys only, never values, so other processes
 * re-read what they actually use. Keys written in one tick are sent in one message, after the
 * store acknowledged the writes. A process drops its own messages with one `startsWith`.
 */
export class L1Bus {
  readonly #driver: KvDriver;
  readonly #state: L1State;
  readonly #channel: string;
  readonly #prefix: string = `${randomToken(9)}:`;
  #pending = new Set<string>();
  #clearPending = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inflight: Promise<void> = Promise.resolve();
  #subscription: Subscription | undefined;
  #closed = false;
  /** Resolves once subscribed (or once subscribing failed and the TTL bound applies). */
  readonly ready: Promise<void>;

  constructor(driver: KvDriver, state: L1State, channel: string) {
    this.#driver = driver;
    this.#state = state;
    this.#channel = channel;
    // Until the subscription is live, another process's invalidation could be missed: cache nothing.
    state.accepting = false;
    this.ready = this.#subscribe();
  }

  async #subscribe(): Promise<void> {
    const subscribe = this.#driver.subscribe?.bind(this.#driver);
    if (!subscribe) return;
    try {
      const subscription = await subscribe([this.#channel], (message) => this.#receive(message), {
        // Messages published while the subscriber was away are lost: anything may be stale.
        resubscribed: () => this.#state.clear('resubscribe'),
      });
      if (this.#closed) {
        await subscription.unsubscribe();
        return;
      }
      this.#subscription = subscription;
    } catch (error) {
      this.#fail('subscribe', error);
    }
    if (!this.#closed) this.#state.accepting = true;
  }

  #receive(message: string): void {
    if (message.startsWith(this.#prefix)) return;
    const body = message.slice(message.indexOf(':') + 1);
    if (body === CLEAR) {
      this.#state.clear('remote');
      return;
    }
    let keys: unknown;
    try {
      keys = JSON.parse(body);
    } catch (error) {
      this.#fail('message', error);
      return;
    }
    if (!Array.isArray(keys)) return;
    for (const key of keys) if (typeof key === 'string') this.#state.invalidate(key);
    this.#state.report(keys as string[], 'remote');
  }

  #fail(during: 'publish' | 'subscribe' | 'message', error: unknown): void {
    const kvError =
      during === 'message'
        ? new KvError('E_CODEC', 'malformed L1 invalidation message', { cause: error })
        : toKvError(error);
    if (this.#state.events.has('error')) this.#state.events.emit('error', { error: kvError, during });
  }

  /** Announce that `key` was written (sent at the end of the current tick). */
  written(key: string): void {
    if (this.#closed) return;
    this.#pending.add(key);
    this.#schedule();
  }

  /** Announce that every key may have changed. */
  cleared(): void {
    if (this.#closed) return;
    this.#clearPending = true;
    this.#schedule();
  }

  #schedule(): void {
    // setTimeout, not a microtask: the replies of one pipeline resolve across several microtask
    // hops, and one message per tick is the point.
    this.#timer ??= setTimeout(() => void this.flush(), 0);
  }

  /** Send what is queued now; resolves when the store acknowledged it. Never rejects. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const messages: string[] = [];
    if (this.#clearPending) {
      messages.push(this.#prefix + CLEAR);
      this.#clearPending = false;
      this.#pending.clear();
    }
    if (this.#pending.size > 0) {
      const keys = [...this.#pending];
      this.#pending = new Set();
      for (let i = 0; i < keys.length; i += KEYS_PER_MESSAGE) {
        messages.push(this.#prefix + JSON.stringify(keys.slice(i, i + KEYS_PER_MESSAGE)));
      }
    }
    const publish = this.#driver.publish?.bind(this.#driver);
    if (messages.length === 0 || !publish) return this.#inflight;
    const sent = Promise.all(
      messages.map((m) =>
        publish(this.#channel, m).then(undefined, (error: unknown) => {
          this.#state.publishErrors++;
          this.#fail('publish', error);
        }),
      ),
    ).then(() => undefined);
    this.#inflight = Promise.all([this.#inflight, sent]).then(() => undefined);
    return this.#inflight;
  }

  /** Send what is queued, then unsubscribe. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#state.accepting = false;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription) await subscription.unsubscribe().catch(() => undefined);
  }
}
