/** One parsed server-sent event. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * Read a `text/event-stream` body event by event (a test helper: the SSE parsing a browser's
 * EventSource does). `take(n)` resolves when n more events have arrived: decided by events, never
 * by a timer.
 */
export interface SseReader {
  /** The stream's `retry:` field, once read. */
  readonly retry: string | undefined;
  /** Settles when the stream has ended. */
  readonly done: Promise<void>;
  take(n: number): Promise<SseEvent[]>;
  cancel(): Promise<void>;
}

export function readEvents(response: Response): SseReader {
  const body = response.body;
  if (!body) throw new Error('no body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  const state = { retry: undefined as string | undefined };
  let buffer = '';
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf('\n\n');
        let id: string | undefined;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = val;
          else if (field === 'event') event = val;
          else if (field === 'data') data.push(val);
          else if (field === 'retry') state.retry = val;
        }
        if (data.length > 0) queue.push({ id, event, data: data.join('\n') });
      }
      for (const w of waiters.splice(0)) w();
    }
    for (const w of waiters.splice(0)) w();
  })();
  let taken = 0;
  return {
    get retry(): string | undefined {
      return state.retry;
    },
    done: done,
    async take(n: number): Promise<SseEvent[]> {
      let ended = false;
      void done.then(() => {
        ended = true;
      });
      while (queue.length - taken < n && !ended) await new Promise<void>((r) => waiters.push(r));
      const out = queue.slice(taken, taken + n);
      taken += out.length;
      if (out.length < n) throw new Error(`the stream ended after ${out.length} of ${n} events`);
      return out;
    },
    async cancel(): Promise<void> {
      await reader.cancel();
      await done.catch(() => undefined);
    },
  };
}
