import * as z from 'zod';
import { parseOptions } from '../../kit/options.js';
import { MAX_DB, redisUrlDatabase } from './url-db.js';

export { redisUrlDatabase, redisUrlProblem } from './url-db.js';

/** A Cluster seed node. */
export interface IoredisNode {
  host: string;
  port: number;
}

/**
 * Options of `ioredisAdapter` when it creates the client itself. Validated once with zod;
 * a bad option is `E_INVALID_OPTIONS` naming the field.
 */
export interface IoredisAdapterOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Not with `host`/`port` or `cluster`. */
  url?: string | undefined;
  /** Host of a standalone Redis. @default '127.0.0.1' */
  host?: string | undefined;
  /** Port of a standalone Redis. @default 6379 */
  port?: number | undefined;
  /** ACL user name. */
  username?: string | undefined;
  /** Password (`AUTH`). */
  password?: string | undefined;
  /** Database index (standalone only; a Cluster has only db 0). @default 0 */
  db?: number | undefined;
  /** Connect to a Redis Cluster through these seed nodes instead of a standalone server. */
  cluster?: { nodes: IoredisNode[] } | undefined;
  /**
   * ioredis `enableAutoPipelining`: gather the commands issued in one event-loop tick into one
   * write. Measured on the project machine (2 vCPUs, client and Redis together) it gained
   * ~15 % for GET/SET at 64 in flight, lost ~17 % for an EVALSHA limiter script at 64 and
   * 40–75 % for everything at concurrency 1, so it is off unless you know your load is wide
   * and script-free. @default false
   */
  autoPipelining?: boolean | undefined;
  /**
   * A command without a reply after this many ms fails with `E_TIMEOUT` (its effect is unknown).
   * On a standalone server it is met between 1x and 1.5x this (one timer watches every command
   * in flight, see `deadlines.ts`); on a Cluster it is ioredis's `commandTimeout`. @default 10000
   */
  commandTimeoutMs?: number | undefined;
  /**
   * A connection with commands in flight that receives nothing for this many ms is dead: it is
   * closed and the client reconnects at once. This heals a connection that went silent without
   * an error (a stuck proxy, load balancer or NAT entry), on which ioredis would otherwise wait
   * forever while new connections work. Commands in flight on it are re-sent on the new
   * connection by ioredis (or fail with `E_CONNECTION`): one that had reached Redis may run
   * twice. A healthy connection blocked behind one command slower than this (a long script, a
   * huge DEL) is closed too: keep it above your slowest command. TCP keep-alive cannot do this
   * job (a stuck relay's kernel still answers the probes). Standalone: the oldest command in
   * flight waiting this long (the same timer as `commandTimeoutMs`); Cluster: ioredis
   * `socketTimeout` (>= 5.3). `0` turns it off. @default 2000
   */
  socketTimeoutMs?: number | undefined;
  /** Give up on one connection attempt after this many ms. @default 3000 */
  connectTimeoutMs?: number | undefined;
  /**
   * Reconnection attempts a queued command waits for before it fails with `E_CONNECTION`.
   * The client itself keeps reconnecting (backoff 100 ms growing to 2 s), so the store recovers
   * when Redis returns; only callers stop waiting. @default 1
   */
  maxRetriesPerRequest?: number | undefined;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedIoredisOptions extends IoredisAdapterOptions {
  autoPipelining: boolean;
  commandTimeoutMs: number;
  socketTimeoutMs: number;
  connectTimeoutMs: number;
  maxRetriesPerRequest: number;
}

const node = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

/** The connection settings every Redis adapter created from options shares (ioredis, node-redis), with their defaults. */
const redisConnectionShape = {
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  db: z.number().int().min(0).max(MAX_DB).optional(),
  cluster: z.object({ nodes: z.array(node).min(1) }).optional(),
  commandTimeoutMs: z.number().int().positive().default(10_000),
  socketTimeoutMs: z.number().int().min(0).default(2_000),
  connectTimeoutMs: z.number().int().positive().default(3_000),
  maxRetriesPerRequest: z.number().int().min(0).default(1),
};

/** The checks across fields of the connection settings: url vs host/port vs cluster, and the database. */
function refineRedisConnection(
  o: {
    url?: string | undefined;
    host?: string | undefined;
    port?: number | undefined;
    db?: number | undefined;
    cluster?: unknown;
  },
  ctx: z.RefinementCtx,
): void {
  const fromUrl = o.url === undefined ? undefined : redisUrlDatabase(o.url);
  if (typeof fromUrl === 'string') {
    ctx.addIssue({ code: 'custom', path: ['url'], message: fromUrl });
  } else if (fromUrl !== undefined && o.db !== undefined && o.db !== fromUrl) {
    ctx.addIssue({
      code: 'custom',
      path: ['db'],
      message: `is ${o.db} but the url selects database ${fromUrl}`,
    });
  }
  if (o.url !== undefined && (o.host !== undefined || o.port !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'give either url or host/port, not both' });
  }
  if (o.cluster !== undefined && (o.url !== undefined || o.host !== undefined || o.port !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'give either cluster or url/host/port' });
  }
  if (o.cluster !== undefined && o.db !== undefined && o.db !== 0) {
    ctx.addIssue({ code: 'custom', path: ['db'], message: 'a Redis Cluster has only db 0' });
  }
}

/** The zod schema of {@link IoredisAdapterOptions}. */
export const ioredisOptionsSchema: z.ZodType<ResolvedIoredisOptions, IoredisAdapterOptions> = z
  .object({ ...redisConnectionShape, autoPipelining: z.boolean().default(false) })
  .strict()
  .superRefine(refineRedisConnection);

/** The connection options every Redis adapter created from options takes (ioredis's without `autoPipelining`). */
export type RedisConnectionOptions = Omit<IoredisAdapterOptions, 'autoPipelining'>;

/** {@link RedisConnectionOptions} after validation, with defaults filled in. */
export type ResolvedRedisConnectionOptions = Omit<ResolvedIoredisOptions, 'autoPipelining'>;

/** The zod schema of {@link RedisConnectionOptions} (node-redis's options). */
export const redisConnectionOptionsSchema: z.ZodType<ResolvedRedisConnectionOptions, RedisConnectionOptions> =
  z.object(redisConnectionShape).strict().superRefine(refineRedisConnection);

/** The database a validated `url` selects, filled into `db` (the client then never parses it). */
export function withUrlDatabase<T extends { url?: string | undefined; db?: number | undefined }>(
  options: T,
): T {
  const fromUrl = options.url === undefined ? undefined : redisUrlDatabase(options.url);
  return typeof fromUrl === 'number' ? { ...options, db: fromUrl } : options;
}

/** Validate options once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseIoredisOptions(input: unknown): ResolvedIoredisOptions {
  // The database goes to ioredis as a number, so it never parses the URL's database itself.
  return withUrlDatabase(parseOptions('ioredisAdapter', ioredisOptionsSchema, input));
}

/** Reconnect forever with a capped backoff: the store recovers when Redis comes back. */
export function retryStrategy(times: number): number {
  return Math.min(times * 100, 2_000);
}
