/**
 * `@raptorflow/core/node-redis`: the Redis adapter on node-redis 5 (`redis`), standalone or
 * Cluster. This is the only module that loads node-redis at runtime; core's main entry never imports it.
 */
import { createClient, createCluster } from 'redis';
import { KvError } from '../errors.js';
import { optionError } from '../kit/options.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';
import { retryStrategy } from './ioredis/options.js';
import {
  isNodeRedisClient,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisCluster,
} from './node-redis/client.js';
import { clusterLink, type NodeRedisLink, nodeRedisDriver, standaloneLink } from './node-redis/driver.js';
import { ADAPTER, isErrorReply } from './node-redis/errors.js';
import {
  type NodeRedisAdapterOptions,
  parseNodeRedisOptions,
  type ResolvedNodeRedisOptions,
} from './node-redis/options.js';

export type {
  NodeRedisClient,
  NodeRedisCluster,
  NodeRedisCommandOptions,
  NodeRedisShardNode,
} from './node-redis/client.js';
export {
  type NodeRedisAdapterOptions,
  type NodeRedisNode,
  nodeRedisOptionsSchema,
} from './node-redis/options.js';

/** Heartbeat deadline of the subscriber connection of a client you pass (the `socketTimeoutMs` default). */
const SUBSCRIBER_DEADLINE_MS = 2_000;
/** Failed connection attempts a call waits through on a client you pass (the `maxRetriesPerRequest` default). */
const USER_MAX_RETRIES = 1;

/**
 * A store on Redis through node-redis 5 (`redis`).
 *
 * Pass a ready client (`createClient()` / `createCluster()`), or options for the adapter to
 * create one (the same options as `ioredisAdapter`, without `autoPipelining`: node-redis
 * writes the commands of one event-loop tick together on its own).
 * - A client you pass stays yours: `store.close()` does not close it (it only drops the
 *   adapter's own subscriber connection). One that is not open yet is connected. It must speak
 *   RESP2 (node-redis's default) and return strings (no `typeMapping`).
 * - A client created from options fails fast when Redis is unreachable (`E_CONNECTION` after
 *   `maxRetriesPerRequest + 1` failed connection attempts, never an unbounded offline queue),
 *   keeps reconnecting in the background, fails a command after `commandTimeoutMs`
 *   (`E_TIMEOUT`), and replaces a standalone connection that went silent with commands in
 *   flight (`socketTimeoutMs`); `close()` closes it. A database Redis refuses is
 *   `E_INVALID_OPTIONS` on every call, and nothing is written anywhere.
 * - A Cluster created from options fails a command at once while its node is reconnecting
 *   (`E_CONNECTION`; node-redis's offline queue is off on the nodes).
 *
 * Pub/sub uses one extra connection (a duplicate of the client, or of the slot-0 master's on a
 * Cluster), opened on the first `subscribe` and closed with the last subscription. It sends a
 * heartbeat PING and replaces the connection when one goes unanswered for `socketTimeoutMs`
 * (2 s for a client you pass), then calls `resubscribed`.
 */
export function nodeRedisAdapter(
  clientOrOptions?: NodeRedisClient | NodeRedisCluster | NodeRedisAdapterOptions,
): KvStore {
  if (isNodeRedisClient(clientOrOptions)) {
    checkUserClient(clientOrOptions);
    let link: NodeRedisLink;
    if (isNodeRedisCluster(clientOrOptions)) {
      clientOrOptions.on('error', () => {});
      link = clusterLink(clientOrOptions, { commandOptions: undefined, connected: clientOrOptions.isOpen });
    } else {
      link = standaloneLink(clientOrOptions, { maxRetries: USER_MAX_RETRIES, commandOptions: undefined });
      if (!clientOrOptions.isOpen) clientOrOptions.connect().catch(() => undefined);
    }
    return createStore(
      nodeRedisDriver(link, isNodeRedisCluster(clientOrOptions), {
        owned: false,
        subscriberDeadlineMs: SUBSCRIBER_DEADLINE_MS,
        maxRetries: USER_MAX_RETRIES,
      }),
    );
  }
  const options = parseNodeRedisOptions(clientOrOptions);
  const link = options.cluster ? createClusterLink(options) : createStandaloneLink(options);
  return createStore(
    nodeRedisDriver(link, options.cluster !== undefined, {
      owned: true,
      subscriberDeadlineMs: options.socketTimeoutMs,
      maxRetries: options.maxRetriesPerRequest,
    }),
  );
}

function checkUserClient(client: NodeRedisClient | NodeRedisCluster): void {
  const options = ((client as { options?: unknown }).options ??
    (client as { _options?: unknown })._options ??
    {}) as {
    RESP?: unknown;
    commandOptions?: { typeMapping?: unknown };
    defaults?: { RESP?: unknown; commandOptions?: { typeMapping?: unknown } };
  };
  const resp = options.RESP ?? options.defaults?.RESP;
  if (resp !== undefined && resp !== 2) {
    throw optionError(
      'nodeRedisAdapter',
      'client',
      `RESP${String(resp)} is not supported: create it with RESP: 2`,
    );
  }
  if (options.commandOptions?.typeMapping ?? options.defaults?.commandOptions?.typeMapping) {
    throw optionError('nodeRedisAdapter', 'client', 'typeMapping is not supported (replies must be strings)');
  }
}

/**
 * node-redis's `reconnectStrategy`: reconnect forever with ioredis's backoff (node-redis's own
 * default gives up on a socket timeout), except after an error reply in the handshake (a
 * database Redis refuses, a wrong password): reported once through `refuse`, and never retried.
 */
function reconnectStrategy(
  refuse: (cause: Error) => void,
): (retries: number, cause: Error) => number | Error {
  return (retries, cause) => {
    if (isErrorReply(cause)) {
      refuse(cause);
      return cause;
    }
    return retryStrategy(retries + 1);
  };
}

function createStandaloneLink(o: ResolvedNodeRedisOptions): NodeRedisLink {
  let refused: KvError | undefined;
  const refuse = (cause: Error): void => {
    refused ??= /DB index/i.test(cause.message)
      ? new KvError(
          'E_INVALID_OPTIONS',
          `nodeRedisAdapter: db: Redis refused database ${o.db} (${cause.message})`,
          {
            adapter: ADAPTER,
            cause,
          },
        )
      : new KvError('E_CONNECTION', `Redis refused the connection: ${cause.message}`, {
          adapter: ADAPTER,
          cause,
        });
  };
  const client = createClient({
    ...(o.url !== undefined ? { url: o.url } : {}),
    socket: {
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 6379,
      connectTimeout: o.connectTimeoutMs,
      reconnectStrategy: reconnectStrategy(refuse),
    },
    username: o.username,
    password: o.password,
    database: o.db,
    RESP: 2,
    // Calls wait for a connection in the adapter (bounded by maxRetriesPerRequest), never in
    // node-redis's unbounded offline queue.
    disableOfflineQueue: true,
  }) as unknown as NodeRedisClient;
  const link = standaloneLink(client, {
    maxRetries: o.maxRetriesPerRequest,
    // Not node-redis's `timeout` option: it bounds only the wait to be written, and costs an
    // AbortSignal timer per command (2.8x the client CPU of a GET in the bench). The link's one
    // timer bounds the whole wait (a command counts as in flight from the moment it is sent).
    commandOptions: undefined,
    commandTimeoutMs: o.commandTimeoutMs,
    refused: () => refused,
    silentMs: o.socketTimeoutMs,
  });
  // Failures reach callers as rejected calls (E_CONNECTION); the link listens to 'error'.
  client.connect().catch(() => undefined);
  return link;
}

function createClusterLink(o: ResolvedNodeRedisOptions): NodeRedisLink {
  const nodes = o.cluster?.nodes ?? [];
  const cluster = createCluster({
    rootNodes: nodes.map((n) => ({ socket: { host: n.host, port: n.port } })),
    defaults: {
      username: o.username,
      password: o.password,
      disableOfflineQueue: true,
      socket: { connectTimeout: o.connectTimeoutMs, reconnectStrategy: reconnectStrategy(() => {}) },
    },
    RESP: 2,
  }) as unknown as NodeRedisCluster;
  // Failures reach callers as rejected calls; unhandled 'error' events would crash the process.
  cluster.on('error', () => {});
  cluster.on('node-error', () => {});
  // Not node-redis's `timeout` (it bounds only the wait to be written, with a timer per command):
  // the link's reply deadline bounds the whole wait, with one interval timer.
  return clusterLink(cluster, {
    commandOptions: undefined,
    connected: false,
    commandTimeoutMs: o.commandTimeoutMs,
  });
}
