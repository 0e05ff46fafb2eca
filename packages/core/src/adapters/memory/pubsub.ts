import type { MessageHandler, Subscription } from '../../driver.js';

type Delivery = readonly [readonly MessageHandler[], string, string];

/**
 * In-process pub/sub. Delivery is asynchronous, like a network (a macrotask later, so the
 * publisher's own continuation runs first), and in publish order: one queue, one timer.
 */
export class PubSub {
  private readonly channels = new Map<string, Set<MessageHandler>>();
  private queue: Delivery[] = [];
  private scheduled = false;

  private flush = (): void => {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const [handlers, message, channel] of queue) {
      for (const handler of handlers) {
        try {
          handler(message, channel);
        } catch {
          // A throwing handler must not stop delivery to the others, as on a real connection.
        }
      }
    }
  };

  /** Deliver `message`; resolves to how many subscriptions received it. */
  publish(channel: string, message: string): number {
    const handlers = this.channels.get(channel);
    if (!handlers || handlers.size === 0) return 0;
    const receivers = [...handlers];
    this.queue.push([receivers, message, channel]);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flush, 0);
    }
    return receivers.length;
  }

  subscribe(channels: readonly string[], handler: MessageHandler): Subscription {
    // One wrapper per subscription, so subscribing the same function twice counts twice.
    const own: MessageHandler = (message, channel) => handler(message, channel);
    for (const channel of channels) {
      let set = this.channels.get(channel);
      if (!set) {
        set = new Set();
        this.channels.set(channel, set);
      }
      set.add(own);
    }
    return {
      unsubscribe: async () => {
        for (const channel of channels) {
          const set = this.channels.get(channel);
          set?.delete(own);
          if (set?.size === 0) this.channels.delete(channel);
        }
      },
    };
  }

  clear(): void {
    this.channels.clear();
    this.queue = [];
  }
}
