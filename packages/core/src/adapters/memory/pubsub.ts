import type { MessageHandler, Subscription } from '../../driver.js';

/**
 * In-process pub/sub. Delivery is asynchronous, like a network, and in order per channel:
 * each publish queues one microtask that hands the message to the subscribers of that moment.
 */
export class PubSub {
  private readonly channels = new Map<string, Set<MessageHandler>>();

  /** Deliver `message`; resolves to how many subscriptions received it. */
  publish(channel: string, message: string): number {
    const handlers = this.channels.get(channel);
    if (!handlers || handlers.size === 0) return 0;
    const receivers = [...handlers];
    queueMicrotask(() => {
      for (const handler of receivers) {
        try {
          handler(message, channel);
        } catch {
          // A throwing handler must not stop delivery to the others, as on a real connection.
        }
      }
    });
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
  }
}
