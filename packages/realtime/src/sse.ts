import type { Subscription } from '@raptorflow/core/driver';
import type { Channel, RealtimeMessage } from './channel.js';
import type { Presence } from './presence.js';

/** Options of {@link sseResponse}. */
export interface SseOptions {
  /** Ends the stream (besides the request's own `signal` and the client going away). */
  signal?: AbortSignal | undefined;
  /** The `retry:` the browser waits before reconnecting, ms. @default 2000 */
  retryMs?: number | undefined;
  /** While the stream is open, keep `member` present in this room; it leaves when the stream ends. */
  presence?: { readonly presence: Presence; readonly member: string } | undefined;
  /** The SSE `event:` name of each message. @default 'message' */
  event?: string | undefined;
}

/** What the stream needs of the realtime instance besides the channel. */
export interface SseContext {
  readonly heartbeat: number;
  readonly pollInterval: number;
  readonly pubsub: boolean;
}

const ENCODER = new TextEncoder();

/** The `Last-Event-ID` header (or `?lastEventId=`, for clients that cannot set headers). */
function lastEventId(request: Request): { ok: true; value: number | undefined } | { ok: false; raw: string } {
  const raw = request.headers.get('last-event-id') ?? new URL(request.url).searchParams.get('lastEventId');
  if (raw === null || raw === '') return { ok: true, value: undefined };
  if (!/^\d{1,15}$/.test(raw)) return { ok: false, raw: raw.slice(0, 40) };
  return { ok: true, value: Number(raw) };
}

function badRequest(message: string): Response {
  return Response.json({ error: { code: 'E_INVALID_ARGUMENT', message } }, { status: 400 });
}

/**
 * A Fetch-API server-sent-events response for one channel: replay after `Last-Event-ID`, then
 * live messages, in id order without duplicates.
 *
 * - A reconnecting browser sends the last id it saw; the stream replays what the buffer holds
 *   after it. When messages were lost (trimmed or expired), an `event: reset` comes first: the
 *   client reloads its state.
 * - A live message whose id skips ahead (two publishers racing) triggers one buffer read so the
 *   missing ids come first; an id already sent is dropped.
 * - Without pub/sub (Upstash over HTTP) the stream polls the buffer every `pollInterval`.
 * - A `: ping` comment every `heartbeat` keeps proxies from closing an idle stream.
 */
export async function sseResponse<T>(
  channel: Channel<T>,
  request: Request,
  ctx: SseContext,
  options: SseOptions = {},
): Promise<Response> {
  const parsed = lastEventId(request);
  if (!parsed.ok)
    return badRequest(`Last-Event-ID: expected a whole number, got ${JSON.stringify(parsed.raw)}`);
  const retryMs = options.retryMs ?? 2000;
  if (!Number.isSafeInteger(retryMs) || retryMs < 0)
    return badRequest('retryMs: expected a whole number >= 0');
  const event = options.event ?? 'message';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(event)) return badRequest('event: expected a simple name');
  const presence = options.presence;

  let lastSent = parsed.value;
  let closed = false;
  let subscription: Subscription | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const pending: RealtimeMessage<T>[] = [];
  let live = false;

  const write = (text: string): void => {
    if (closed) return;
    try {
      controller.enqueue(ENCODER.encode(text));
    } catch {
      void close();
    }
  };
  const send = (message: RealtimeMessage<T>): void => {
    write(`id: ${message.id}\nevent: ${event}\ndata: ${JSON.stringify(message.data)}\n\n`);
    lastSent = message.id;
  };
  const sendReset = (id: number): void => {
    write(`id: ${id}\nevent: reset\ndata: {}\n\n`);
    lastSent = id;
  };

  // Catch up from the buffer after `from`; on a gap, tell the client to reload first.
  const catchUp = async (from: number): Promise<void> => {
    const replay = await channel.replayAfter(from);
    if (replay.reset) sendReset((replay.messages[0]?.id ?? replay.lastId + 1) - 1);
    for (const m of replay.messages) if (lastSent === undefined || m.id > lastSent || replay.reset) send(m);
    if (replay.messages.length === 0 && !replay.reset) lastSent = Math.max(lastSent ?? 0, replay.lastId);
  };

  const onLive = (message: RealtimeMessage<T>): void => {
    if (!live) {
      pending.push(message);
      return;
    }
    chain = chain.then(async () => {
      if (closed) return;
      const last = lastSent ?? 0;
      if (message.id === last + 1) send(message);
      else if (message.id > last + 1) await catchUp(last);
      // The sequence started again after a quiet `retention`: the client must reload.
      else if (message.id === 1 && last > 1) {
        sendReset(0);
        send(message);
      }
      // else: already sent (it came through a catch-up)
    }, fail);
  };

  const fail = (): void => {
    void close();
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clearInterval(timer);
    if (poller !== undefined) clearInterval(poller);
    try {
      controller.close();
    } catch {
      // already closed by the client
    }
    await Promise.allSettled([
      subscription?.unsubscribe(),
      presence ? presence.presence.leave(presence.member) : undefined,
    ]);
  };

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      return close();
    },
  });

  const abort = (): void => {
    void close();
  };
  request.signal?.addEventListener('abort', abort, { once: true });
  options.signal?.addEventListener('abort', abort, { once: true });

  try {
    write(`retry: ${retryMs}\n\n`);
    if (ctx.pubsub) subscription = await channel.subscribe(onLive);
    if (presence) await presence.presence.touch(presence.member);
    // Subscribed first, then read: nothing published in between can be missed.
    // A fresh stream starts after the current id; a reconnecting one replays after its own.
    if (lastSent === undefined) lastSent = await channel.lastId();
    else await catchUp(lastSent);
  } catch (error) {
    await close();
    throw error;
  }

  live = true;
  for (const m of pending.splice(0)) onLive(m);
  timer = setInterval(() => {
    write(': ping\n\n');
    if (presence) presence.presence.touch(presence.member).catch(fail);
  }, ctx.heartbeat);
  (timer as { unref?: () => void }).unref?.();
  if (!ctx.pubsub) {
    poller = setInterval(() => {
      chain = chain.then(() => (closed ? undefined : catchUp(lastSent ?? 0)), fail);
    }, ctx.pollInterval);
    (poller as { unref?: () => void }).unref?.();
  }
  if (options.signal?.aborted || request.signal?.aborted) await close();

  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
