/**
 * The narrow part of a node-redis 5 client (`createClient` of `redis` or `@redis/client`) and
 * Cluster (`createCluster`) this adapter uses. Typed structurally so a client from a duplicate
 * install of the library is accepted.
 */

/** Per-command options node-redis takes (its `CommandOptions`, the part used here). */
export interface NodeRedisCommandOptions {
  /** Fail the command with node-redis's `TimeoutError` after this many ms. */
  readonly timeout?: number | undefined;
}

/** A node-redis 5 standalone client (`RedisClientType`). */
export interface NodeRedisClient {
  /** The socket is open (connecting, connected or reconnecting): false before `connect()` and after `close()`. */
  readonly isOpen: boolean;
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  readonly options?: object | undefined;
  connect(): Promise<unknown>;
  sendCommand(args: string[], options?: NodeRedisCommandOptions): Promise<unknown>;
  duplicate(overrides?: object): NodeRedisClient;
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channels: string[], listener?: (message: string, channel: string) => void): Promise<unknown>;
  /** Graceful: waits for the replies in flight, then closes. */
  close(): Promise<unknown>;
  /** Closes at once, failing what is in flight. */
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
}

/** A node of a node-redis Cluster, as its `slots` and `masters` list it. */
export interface NodeRedisShardNode {
  /** `host:port`. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

/** A node-redis 5 Cluster (`RedisClusterType`). */
export interface NodeRedisCluster {
  readonly isOpen: boolean;
  /** The shard serving each slot (`undefined` before the topology is known). */
  readonly slots: ReadonlyArray<{ readonly master: NodeRedisShardNode } | undefined>;
  readonly masters: readonly NodeRedisShardNode[];
  connect(): Promise<unknown>;
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  nodeClient(node: NodeRedisShardNode): Promise<NodeRedisClient> | NodeRedisClient;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** True when `value` is a node-redis Cluster. */
export function isNodeRedisCluster(value: unknown): value is NodeRedisCluster {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { nodeClient?: unknown }).nodeClient === 'function' &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function'
  );
}

/** True when `value` is a node-redis standalone client or Cluster, not an options object. */
export function isNodeRedisClient(value: unknown): value is NodeRedisClient | NodeRedisCluster {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function' &&
    typeof (value as { connect?: unknown }).connect === 'function'
  );
}
