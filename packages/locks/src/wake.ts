import type { KvStore } from '@raptorflow/core';

type Subscription = Awaited<ReturnType<KvStore['subscribe']>>;

/** The channel releases are announced on (under the feature's namespace); the message is the group. */
const CHANNEL = 'released';

/**
 * Wake-ups on release, so a waiter need not poll at a short interval: one subscription per
 * {@link createLocks} instance (opened when a first caller has to wait), one PUBLISH per
 * release that somebody waits for (the release script reports the waiters flag). Without
 * pub/sub (`capabilities.pubsub` false) or when subscribing fails, waiting is backoff alone.
 */
export class Waker {
  readonly #store: KvStore;
  readonly #waiting = new Map<string, Set<() => void>>();
  #subscription: Promise<Subscription | undefined> | undefined;
  #closed = false;

  constructor(store: KvStore) {
    this.#store = store;
  }

  /**
   * Make sure the subscription is open. Resolves `true` when this call opened it: a release may
   * have been announced before it was, so the caller tries once more at once.
   */
  async ready(): Promise<boolean> {
    if (this.#subscription) {
      await this.#subscription;
      return false;
    }
    if (this.#closed || !this.#store.capabilities.pubsub) return false;
    this.#subscription = this.#store.subscribe(CHANNEL, (group) => this.#wake(group)).catch(() => undefined);
    await this.#subscription;
    return true;
  }

  /** Wait `ms`, or less when `group` is released or `signal` aborts. Never rejects. */
  sleep(group: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.#waiting.get(group);
      if (!set) {
        set = new Set();
        this.#waiting.set(group, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const current = this.#waiting.get(group);
        current?.delete(done);
        if (current?.size === 0) this.#waiting.delete(group);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Callers asleep between attempts now. */
  get sleeping(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }

  /** Announce a release of `group`. Fire and forget: a lost wake-up costs one backoff delay. */
  notify(group: string): void {
    this.#store.publish(CHANNEL, group).catch(() => undefined);
  }

  /** Close the subscription; sleeping callers wake at their own time. */
  async close(): Promise<void> {
    this.#closed = true;
    const sub = await this.#subscription;
    this.#subscription = undefined;
    await sub?.unsubscribe().catch(() => undefined);
  }

  #wake(group: string): void {
    const set = this.#waiting.get(group);
    if (!set) return;
    // One waiter per message: the others would only find the lock taken again (thundering herd).
    const first = set.values().next().value;
    first?.();
  }
}
