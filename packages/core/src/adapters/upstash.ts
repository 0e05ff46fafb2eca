/**
 * `@raptorflow/core/upstash`: the adapter for Upstash's HTTP Redis. Edge-safe: it runs on
 * `fetch`, `TextDecoder` and `atob` only, and imports `@upstash/redis` as a type, never at runtime.
 */
import type { Redis } from '@upstash/redis';
import { batchRefusingBlocking, blockingError } from '../blocking.js';
import type {
  BatchEntry,
  Command,
  KvCapabilities,
  KvDriver,
  Reply,
  ScanRequest,
  ScriptCall,
  Subscription,
} from '../driver.js';
import { KvError } from '../errors.js';
import { optionError } from '../kit/options.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';
import { parseUpstashOptions, type UpstashAdapterOptions } from './upstash/options.js';
import { LanedPipeline, type QueuedEntry } from './upstash/queue.js';
import { subscribeStreams } from './upstash/subscribe.js';
import {
  ADAPTER,
  fetchTransport,
  requesterTransport,
  type Transport,
  type UpstashRequester,
} from './upstash/transport.js';

export {
  type ResolvedUpstashOptions,
  type UpstashAdapterOptions,
  type UpstashClientOptions,
  type UpstashCommonOptions,
  type UpstashRestOptions,
  upstashClientOptionsSchema,
  upstashOptionsSchema,
} from './upstash/options.js';
export { decodeResult, type UpstashRequester } from './upstash/transport.js';

/** The Upstash driver plus what its tests read. */
export interface UpstashDriver extends KvDriver {
  /** HTTP requests sent for commands so far (round trips), not counting subscription streams. */
  readonly requests: number;
  /** Requests it keeps in flight at most (`maxConcurrentRequests`). */
  readonly maxConcurrentRequests: number;
}

function requesterOf(client: object): UpstashRequester {
  // `Redis.client` is the client's requester (its HttpClient); TypeScript marks it protected.
  const inner = (client as { client?: unknown }).client ?? client;
  if (typeof (inner as { request?: unknown }).request !== 'function') {
    throw optionError('upstashAdapter', 'client', 'must be a Redis from @upstash/redis');
  }
  return inner as UpstashRequester;
}

function isRedisClient(value: unknown): value is Redis {
  return typeof value === 'object' && value !== null && typeof (value as Redis).pipeline === 'function';
}

/** Build the Upstash driver (see {@link upstashAdapter}); layers and tests may want it bare. */
export function upstashDriver(clientOrOptions: Redis | UpstashAdapterOptions): UpstashDriver {
  const options = parseUpstashOptions(
    isRedisClient(clientOrOptions) ? { client: clientOrOptions } : clientOrOptions,
  );
  const transport: Transport =
    'client' in options
      ? requesterTransport(requesterOf(options.client))
      : fetchTransport({
          url: options.url,
          token: options.token,
          base64: options.base64,
          readYourWrites: options.readYourWrites,
          fetch: options.fetch ?? ((...args) => fetch(...args)),
        });
  const queue = new LanedPipeline(
    transport,
    options.timeoutMs,
    options.maxCommandsPerRequest,
    options.maxConcurrentRequests,
  );
  const subscriptions = new Set<Subscription>();

  const capabilities: KvCapabilities = Object.freeze({
    pubsub: transport.stream !== undefined,
    cluster: false,
    ttlGranularityMs: 1,
    maxValueBytes: options.maxValueBytes,
    persistent: true,
    shared: true,
    blocking: false,
  });

  const enqueue = (entries: Array<Omit<QueuedEntry, 'settle'>>): Promise<Array<Reply | KvError>> => {
    return new Promise((resolve) => {
      const results: Array<Reply | KvError> = new Array(entries.length);
      let left = entries.length;
      queue.push(
        entries.map((entry, i) => ({
          ...entry,
          settle(result: Reply | KvError) {
            results[i] = result;
            if (--left === 0) resolve(results);
          },
        })),
      );
    });
  };

  const one = async (entry: Omit<QueuedEntry, 'settle'>): Promise<Reply> => {
    const [result] = await enqueue([entry]);
    if (result instanceof Error) throw result;
    return result as Reply;
  };

  const driver: UpstashDriver = {
    name: ADAPTER,
    capabilities,
    get requests() {
      return queue.requests;
    },
    maxConcurrentRequests: options.maxConcurrentRequests,
    command: (command: Command) => {
      const blocking = blockingError(command.argv, ADAPTER);
      return blocking ? Promise.reject(blocking) : one({ argv: command.argv, keys: command.keys });
    },
    script: (call: ScriptCall) => one({ call }),
    batch: (entries: readonly BatchEntry[]) =>
      batchRefusingBlocking(entries, ADAPTER, (run) =>
        enqueue(
          run.map((e) =>
            'command' in e ? { argv: e.command.argv, keys: e.command.keys } : { call: e.call },
          ),
        ),
      ),
    async *scan(request: ScanRequest) {
      let cursor = '0';
      do {
        const argv = ['SCAN', cursor, 'MATCH', request.match, 'COUNT', String(request.count)];
        if (request.type) argv.push('TYPE', request.type);
        const reply = await one({ argv });
        if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) {
          throw new KvError('E_COMMAND', 'unexpected SCAN reply', { adapter: ADAPTER });
        }
        cursor = reply[0];
        if (reply[1].length > 0) yield reply[1] as string[];
      } while (cursor !== '0');
    },
    async publish(channel: string, message: string) {
      const reply = await one({ argv: ['PUBLISH', channel, message] });
      return typeof reply === 'number' ? reply : Number(reply);
    },
    // The store's guard (see `closable`) refuses every call from the moment close() is called.
    async close() {
      await Promise.all([...subscriptions].map((s) => s.unsubscribe()));
    },
  };

  const endpoint = transport.stream;
  if (endpoint) {
    driver.subscribe = async (channels, handler, events) => {
      const subscription = await subscribeStreams(
        {
          endpoint,
          timeoutMs: options.timeoutMs,
          maxReconnectDelayMs: options.maxReconnectDelayMs,
          onEnd: (s) => subscriptions.delete(s),
        },
        channels,
        handler,
        events,
      );
      subscriptions.add(subscription);
      return subscription;
    };
  }
  return driver;
}

/**
 * A store on Upstash Redis over HTTP (or the local server from `@raptorflow/testkit`).
 *
 * Pass a ready `Redis` from `@upstash/redis` (any settings), `{ client, ...settings }`, or
 * `{ url, token }` to talk to the REST endpoint with `fetch` directly.
 * - Values come back as exact strings: the client's automatic JSON parsing is bypassed
 *   (`"123"` stays `"123"`).
 * - Up to `maxConcurrentRequests` requests in flight, one per lane of keys: the commands on one
 *   key (or one hash tag) run in issue order, as on a Redis Cluster, and the ones issued while
 *   their lane's request is in flight share its next `/pipeline` request. A `batch()` is one
 *   request; a batch across lanes, or a keyless command, runs alone in issue order. With
 *   `maxConcurrentRequests: 1`, every call runs in issue order.
 * - Scripts run by EVAL until the server accepted them, then EVALSHA (EVAL again on NOSCRIPT).
 * - Pub/sub reads `/subscribe/<channel>` streams and reconnects them (`events.resubscribed`).
 * - `close()` ends the subscriptions; a client you passed has nothing else to close.
 */
export function upstashAdapter(clientOrOptions: Redis | UpstashAdapterOptions): KvStore {
  return createStore(upstashDriver(clientOrOptions));
}
