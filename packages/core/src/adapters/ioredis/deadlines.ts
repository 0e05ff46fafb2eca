import type { IoredisClient } from './client.js';

/** An ioredis queue (denque) of commands, as far as this module reads it. */
interface CommandQueue {
  readonly length: number;
  peekAt(index: number): { readonly command?: QueuedCommand } | undefined;
}

/** An ioredis `Command`, as far as this module settles it. */
interface QueuedCommand {
  readonly isSettled?: boolean;
  reject(error: Error): void;
}

/** Settings of {@link watchDeadlines}. */
export interface DeadlineSettings {
  /** A command without a reply after this many ms fails with "Command timed out" (E_TIMEOUT); 0: off. */
  readonly commandTimeoutMs: number;
  /** A connection whose oldest command in flight has waited this long is dropped and reconnects; 0: off. */
  readonly socketTimeoutMs: number;
}

/**
 * `commandTimeout` and `socketTimeout` for a standalone ioredis client the adapter created, kept
 * by one interval timer instead of ioredis's timers per command (a `setTimeout` for each
 * command's deadline, and a timer plus a `once('data')` listener re-armed on every reply for the
 * socket's): those cost about a quarter of the client CPU of a GET. Same outcomes:
 * - a command past `commandTimeoutMs` is rejected with ioredis's own "Command timed out" error
 *   (E_TIMEOUT); it stays in ioredis's queue, so a late reply still pairs with it and is dropped;
 * - a connection whose oldest command has had no reply for `socketTimeoutMs` has its socket
 *   destroyed, and ioredis reconnects (the dead-connection detector).
 * Each tick (a quarter of the shorter deadline) notes when it first saw each queued command, so a
 * deadline is met between 1x and 1.5x its length. ioredis >= 5 keeps both queues as denques
 * (`commandQueue` for commands sent, `offlineQueue` for commands waiting for a connection).
 */
export function watchDeadlines(client: IoredisClient, settings: DeadlineSettings): { stop(): void } {
  const { commandTimeoutMs, socketTimeoutMs } = settings;
  const positive = [commandTimeoutMs, socketTimeoutMs].filter((ms) => ms > 0);
  if (positive.length === 0) return { stop() {} };
  const period = Math.max(5, Math.floor(Math.min(...positive) / 4));
  const ticksOf = (ms: number): number => (ms > 0 ? Math.ceil(ms / period) + 1 : Number.POSITIVE_INFINITY);
  const timeoutTicks = ticksOf(commandTimeoutMs);
  const silentTicks = ticksOf(socketTimeoutMs);
  const firstSeen = new WeakMap<QueuedCommand, number>();
  const timedOut = new WeakSet<QueuedCommand>();
  let tick = 0;
  /** The tick of the last dropped socket: ioredis re-sends its commands, their silence starts anew. */
  let droppedAt = 0;
  const queues = client as unknown as { commandQueue?: CommandQueue; offlineQueue?: CommandQueue };

  /** Record and age every command of `queue`; returns the age of its first one (-1: empty). */
  const sweep = (queue: CommandQueue | undefined): number => {
    if (!queue) return -1;
    let oldest = -1;
    for (let i = 0; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      if (!command) continue;
      let at = firstSeen.get(command);
      if (at === undefined) {
        at = tick;
        firstSeen.set(command, at);
      }
      const age = tick - at;
      if (i === 0) oldest = tick - Math.max(at, droppedAt);
      if (age >= timeoutTicks && command.isSettled !== true && !timedOut.has(command)) {
        timedOut.add(command);
        command.reject(new Error('Command timed out'));
      }
    }
    return oldest;
  };

  const timer = setInterval(() => {
    tick++;
    const oldest = sweep(queues.commandQueue);
    sweep(queues.offlineQueue);
    if (oldest >= silentTicks && client.status === 'ready') {
      droppedAt = tick;
      const stream = (client as { stream?: { destroy?(error?: Error): void } }).stream;
      stream?.destroy?.(
        new Error(`Socket timeout: no reply for ${socketTimeoutMs} ms with commands in flight`),
      );
    }
  }, period);
  timer.unref?.();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
