import type { CorkableStream } from './coalesce.js';

/**
 * The narrow part of an ioredis 5 or 6 `Redis` / `Cluster` this adapter uses. Typed structurally
 * so a client from either major version (or a duplicate install) is accepted.
 */
export interface IoredisClient {
  /** `true` on a `Cluster`. */
  readonly isCluster?: boolean | undefined;
  /** `wait`, `connecting`, `connect`, `ready`, `reconnecting`, `close`, `end`. */
  readonly status: string;
  readonly options: object;
  call(command: string, ...args: string[]): Promise<unknown>;
  /** ioredis's GET, cheaper than `call('GET', key)`; optional so a narrow client still fits. */
  get?(key: string): Promise<unknown>;
  /** ioredis's SET of a key and a value (no options), cheaper than `call('SET', ...)`. */
  set?(key: string, value: string): Promise<unknown>;
  pipeline(): IoredisPipeline;
  duplicate(): IoredisClient;
  quit(): Promise<unknown>;
  /** Close the connection; with `reconnect`, ioredis connects again at once. */
  disconnect(reconnect?: boolean): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** The connection's socket, once connected (a Cluster has one per node). */
  readonly stream?: CorkableStream | undefined;
}

/** An ioredis pipeline, as far as batches use it. */
export interface IoredisPipeline {
  call(command: string, ...args: string[]): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** The Cluster-only part of an ioredis client. */
export interface IoredisCluster extends IoredisClient {
  readonly isCluster: true;
  /** Node keys (`host:port`) serving each slot, master first. */
  readonly slots?: ReadonlyArray<readonly string[] | undefined>;
  nodes(role?: 'all' | 'master' | 'slave'): IoredisClient[];
}

/** True when `value` looks like an ioredis `Redis` or `Cluster`, not an options object. */
export function isIoredisClient(value: unknown): value is IoredisClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { call?: unknown }).call === 'function' &&
    typeof (value as { pipeline?: unknown }).pipeline === 'function'
  );
}

/** True when the client is an ioredis `Cluster`. */
export function isCluster(client: IoredisClient): client is IoredisCluster {
  return client.isCluster === true;
}
