/**
 * `@raptorflow/core/ioredis`: the Redis adapter on ioredis 5 or 6, standalone or Cluster.
 * This is the only module that loads ioredis at runtime; core's main entry never imports it.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { optionError } from '../kit/options.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';
import { type IoredisClient, isCluster, isIoredisClient } from './ioredis/client.js';
import { watchDeadlines } from './ioredis/deadlines.js';
import { ioredisDriver, pubsubNode, replyModeOf } from './ioredis/driver.js';
import {
  type IoredisAdapterOptions,
  parseIoredisOptions,
  type ResolvedIoredisOptions,
  retryStrategy,
} from './ioredis/options.js';
import { checkDatabase } from './ioredis/select.js';

export type { IoredisClient, IoredisCluster, IoredisPipeline } from './ioredis/client.js';
export { type IoredisAdapterOptions, type IoredisNode, ioredisOptionsSchema } from './ioredis/options.js';
export { formatDouble, normaliseReply, type ReplyMode } from './ioredis/resp3.js';

/**
 * A store on Redis through ioredis.
 *
 * Pass a ready `Redis` or `Cluster` (ioredis 5 or 6), or options for the adapter to create one.
 * - A client you pass stays yours: `store.close()` does not quit it (it only drops the
 *   adapter's own subscriber connection). Its RESP3 replies (ioredis 6's default) are reshaped
 *   to RESP2. A client with `keyPrefix` or `stringNumbers` is refused: use `store.namespace()`.
 * - A client created from options speaks RESP2, fails fast when Redis is unreachable
 *   (`E_CONNECTION` after `maxRetriesPerRequest` reconnection attempts, never an unbounded
 *   offline queue), keeps reconnecting in the background, and replaces a connection that went
 *   silent with commands in flight (`socketTimeoutMs`, 2 s); `close()` quits it.
 * - A client you pass keeps its own settings: give it ioredis's `socketTimeout` (for example
 *   `new Redis({ socketTimeout: 2000 })`, or in `redisOptions` for a `Cluster`; ioredis >= 5.3)
 *   so it heals a silent connection too. Without it, ioredis waits on a dead connection
 *   forever (each call ends with its `commandTimeout`, or never), and `withFailover` above it
 *   stays on its fallback.
 *
 * Pub/sub uses one extra connection, opened on the first `subscribe` and closed with the last
 * subscription. It sends a heartbeat PING and reconnects when one goes unanswered for
 * `socketTimeoutMs` (2 s for a client you pass), then calls `resubscribed`: a silent
 * subscriber would otherwise lose every message without a sign.
 */
export function ioredisAdapter(clientOrOptions?: IoredisClient | IoredisAdapterOptions): KvStore {
  if (isIoredisClient(clientOrOptions)) {
    checkUserClient(clientOrOptions);
    return createStore(
      ioredisDriver(clientOrOptions, {
        mode: replyModeOf(clientOrOptions),
        owned: false,
        openSubscriber: () => openSubscriber(clientOrOptions),
        // The subscriber connection is the adapter's own, whatever the client's settings.
        subscriberDeadlineMs: SUBSCRIBER_DEADLINE_MS,
      }),
    );
  }
  const options = parseIoredisOptions(clientOrOptions);
  const client = createClient(options);
  const driver = ioredisDriver(client, {
    mode: 'none',
    owned: true,
    openSubscriber: () => openSubscriber(client),
    subscriberDeadlineMs: options.socketTimeoutMs,
  });
  if (!options.cluster) {
    // Standalone: both deadlines kept by one timer instead of ioredis's timers per command.
    const deadlines = watchDeadlines(client, options);
    const close = driver.close;
    // Stopped once closed: QUIT on a connection gone silent needs the watch to end it.
    driver.close = () => close().finally(deadlines.stop);
  }
  return createStore(checkDatabase(driver, client, options.db ?? 0));
}

/** Heartbeat deadline of the subscriber connection of a client you pass (the `socketTimeoutMs` default). */
const SUBSCRIBER_DEADLINE_MS = 2_000;

function checkUserClient(client: IoredisClient): void {
  const options = client.options as {
    keyPrefix?: unknown;
    stringNumbers?: unknown;
    redisOptions?: { keyPrefix?: unknown; stringNumbers?: unknown };
  };
  const own = isCluster(client) ? { ...options, ...options.redisOptions } : options;
  if (own.keyPrefix) {
    throw optionError(
      'ioredisAdapter',
      'client',
      'keyPrefix is not supported (scans would return prefixed keys); use store.namespace(prefix)',
    );
  }
  if (own.stringNumbers) {
    throw optionError(
      'ioredisAdapter',
      'client',
      'stringNumbers is not supported (integer replies must be numbers)',
    );
  }
}

/**
 * ioredis options shared by standalone clients and Cluster nodes created by the adapter. A
 * standalone client gets no `commandTimeout` or `socketTimeout`: `watchDeadlines` keeps both
 * (same outcomes, no timer per command); Cluster nodes keep ioredis's own.
 */
function baseOptions(o: ResolvedIoredisOptions, timers: boolean): RedisOptions {
  return {
    // RESP2 on the wire: replies need no reshaping (ioredis 6 defaults to RESP3; 5 ignores this).
    protocol: 2,
    username: o.username,
    password: o.password,
    connectTimeout: o.connectTimeoutMs,
    commandTimeout: timers ? o.commandTimeoutMs : undefined,
    // Silence while commands are in flight closes the socket, and `retryStrategy` reconnects:
    // the dead-connection detector (ioredis >= 5.3).
    socketTimeout: timers && o.socketTimeoutMs > 0 ? o.socketTimeoutMs : undefined,
    maxRetriesPerRequest: o.maxRetriesPerRequest,
    retryStrategy,
    enableAutoPipelining: o.autoPipelining,
  } as RedisOptions;
}

function createClient(o: ResolvedIoredisOptions): IoredisClient {
  let client: IoredisClient;
  if (o.cluster) {
    client = new Cluster(o.cluster.nodes, {
      redisOptions: baseOptions(o, true),
      enableAutoPipelining: o.autoPipelining,
      clusterRetryStrategy: clusterRetryStrategy(o.maxRetriesPerRequest),
      // Bounded: a queued command fails instead of waiting forever for a slots refresh.
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: o.connectTimeoutMs,
    }) as unknown as IoredisClient;
  } else if (o.url) {
    client = new Redis(o.url, { ...baseOptions(o, false), db: o.db }) as unknown as IoredisClient;
  } else {
    client = new Redis({
      ...baseOptions(o, false),
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 6379,
      db: o.db,
    }) as unknown as IoredisClient;
  }
  // Failures reach callers as rejected calls (E_CONNECTION); an unhandled 'error' event would
  // crash the process.
  client.on('error', () => {});
  return client;
}

/**
 * Keep reconnecting a Cluster (backoff as for standalone clients) but, like
 * `maxRetriesPerRequest` does for one node, fail the commands queued while it is down after
 * `maxRetries + 1` failed attempts: a Cluster's own offline queue would otherwise wait forever.
 */
function clusterRetryStrategy(
  maxRetries: number,
): (this: { flushQueue?(error: Error): void }, times: number) => number {
  return function (this: { flushQueue?(error: Error): void }, times: number): number {
    if (times % (maxRetries + 1) === 0) {
      this.flushQueue?.(new Error(`Cluster is disconnected: ${times} connection attempts failed`));
    }
    return retryStrategy(times);
  };
}

async function openSubscriber(client: IoredisClient): Promise<IoredisClient> {
  if (!isCluster(client)) return client.duplicate();
  // Classic pub/sub messages reach every node of a Cluster, so one connection to one agreed
  // master serves every channel, and its reconnects are visible to us (unlike the Cluster's
  // own internal subscriber).
  const master = await pubsubNode(client);
  return (master as IoredisClient & { duplicate(o: object): IoredisClient }).duplicate({
    lazyConnect: false,
    retryStrategy,
  });
}
