import type { DriverEvents, MessageHandler, Subscription } from '../../driver.js';
import { fromReplyError, KvError } from '../../errors.js';
import { ADAPTER, mapRequestError, type StreamEndpoint } from './transport.js';

/** Settings of {@link subscribeStreams}. */
export interface StreamSettings {
  readonly endpoint: StreamEndpoint;
  /** Give up on the first connection (and each confirmation) after this many ms. */
  readonly timeoutMs: number;
  /** Longest pause between reconnection attempts, in ms. */
  readonly maxReconnectDelayMs: number;
  /** Called once when the stream is closed for good, so the driver can forget it. */
  readonly onEnd: (subscription: Subscription) => void;
}

const EVENT_PREFIXES = [
  'message,',
  'subscribe,',
  'unsubscribe,',
  'pmessage,',
  'psubscribe,',
  'punsubscribe,',
];

/**
 * Reads `data:` lines of an SSE stream. Events end at a blank line, so a payload with newlines
 * (sent as continuation lines) comes back whole. A server that sends no blank lines gets one
 * event per line, dispatched at the end of each chunk, as `@upstash/redis` reads them.
 */
class EventReader {
  #buffer = '';
  #event: string | undefined;
  #blankLines = false;
  readonly #onEvent: (data: string) => void;

  constructor(onEvent: (data: string) => void) {
    this.#onEvent = onEvent;
  }

  push(text: string): void {
    this.#buffer += text;
    const lines = this.#buffer.split('\n');
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        this.#blankLines = true;
        this.#flush();
      } else if (line.startsWith('data: ')) {
        const data = line.slice(6);
        if (this.#event !== undefined && !EVENT_PREFIXES.some((p) => data.startsWith(p))) {
          this.#event += `\n${data}`;
        } else {
          this.#flush();
          this.#event = data;
        }
      }
      // Comments (`: ping` heartbeats) and other fields are ignored.
    }
    if (!this.#blankLines) this.#flush();
  }

  #flush(): void {
    if (this.#event === undefined) return;
    const data = this.#event;
    this.#event = undefined;
    this.#onEvent(data);
  }
}

/**
 * One `/subscribe/<channel>` stream that reconnects until it is closed. `@upstash/redis`'s own
 * subscriber cannot be used: it never reports that a stream ended (so it cannot reconnect),
 * and it JSON-parses payloads when the client deserialises automatically.
 */
function channelStream(
  settings: StreamSettings,
  channel: string,
  handler: MessageHandler,
  onReconnected: () => void,
): { ready: Promise<void>; close(): void } {
  const controller = new AbortController();
  let confirmedOnce = false;
  let resolveReady!: () => void;
  let rejectReady!: (error: KvError) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const messagePrefix = `message,${channel},`;

  let confirmedNow = false;
  const onEvent = (data: string): void => {
    if (data.startsWith(messagePrefix)) {
      handler(data.slice(messagePrefix.length), channel);
    } else if (data.startsWith('message,')) {
      // The server spelled the channel differently: the payload follows the second comma.
      const second = data.indexOf(',', 'message,'.length);
      if (second > 0) handler(data.slice(second + 1), channel);
    } else if (data.startsWith('subscribe,')) {
      if (confirmedOnce) onReconnected();
      confirmedOnce = true;
      confirmedNow = true;
      resolveReady();
    }
  };

  const connectOnce = async (): Promise<void> => {
    const res = await settings.endpoint.fetch(
      `${settings.endpoint.baseUrl}/subscribe/${encodeURIComponent(channel)}`,
      {
        method: 'POST',
        headers: { ...settings.endpoint.headers(), Accept: 'text/event-stream', 'Cache-Control': 'no-cache' },
        body: '[]',
        signal: controller.signal,
      },
    );
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      let message = `HTTP ${res.status}`;
      try {
        const error = (JSON.parse(text) as { error?: unknown }).error;
        if (typeof error === 'string') message = error;
      } catch {}
      throw fromReplyError(message, ADAPTER);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const events = new EventReader(onEvent);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        events.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  };

  void (async () => {
    let failures = 0;
    while (!controller.signal.aborted) {
      confirmedNow = false;
      try {
        await connectOnce();
        // A stream that was confirmed and later ended resets the backoff; one that ended at once does not.
        failures = confirmedNow ? 0 : failures + 1;
      } catch (error) {
        if (controller.signal.aborted) break;
        if (!confirmedOnce) {
          // The first connection decides whether subscribe() succeeds: no silent retries.
          rejectReady(mapRequestError(error));
          controller.abort();
          break;
        }
        failures++;
      }
      if (controller.signal.aborted) break;
      const delay = Math.min(50 * 2 ** failures, settings.maxReconnectDelayMs);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  })();

  return {
    ready,
    close: () => controller.abort(),
  };
}

/**
 * Subscribe to channels over SSE, one stream per channel (the protocol has one channel per
 * request). Resolves once every stream is confirmed, so a message published afterwards arrives.
 * A stream that ends or fails is reopened with a capped backoff, and `events.resubscribed` is
 * called when it is back: messages published meanwhile are lost.
 */
export async function subscribeStreams(
  settings: StreamSettings,
  channels: readonly string[],
  handler: MessageHandler,
  events: DriverEvents | undefined,
): Promise<Subscription> {
  const onReconnected = (): void => events?.resubscribed?.();
  const streams = [...new Set(channels)].map((c) => channelStream(settings, c, handler, onReconnected));
  const closeAll = (): void => {
    for (const s of streams) s.close();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KvError('E_TIMEOUT', `subscription not confirmed within ${settings.timeoutMs} ms`, {
            adapter: ADAPTER,
          }),
        ),
      settings.timeoutMs,
    );
  });
  const all = Promise.all(streams.map((s) => s.ready));
  // After a timeout nobody awaits `all` any more: its later rejection must not go unhandled.
  all.catch(() => {});
  try {
    await Promise.race([all, timeout]);
  } catch (error) {
    closeAll();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let closed = false;
  const subscription: Subscription = {
    async unsubscribe() {
      if (closed) return;
      closed = true;
      closeAll();
      settings.onEnd(subscription);
    },
  };
  return subscription;
}
