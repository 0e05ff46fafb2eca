import type * as z from 'zod';
import { parseOptions } from '../../kit/options.js';
import {
  type IoredisNode,
  type RedisConnectionOptions,
  type ResolvedRedisConnectionOptions,
  redisConnectionOptionsSchema,
  withUrlDatabase,
} from '../ioredis/options.js';

/** A Cluster seed node. */
export type NodeRedisNode = IoredisNode;

/**
 * Options of `nodeRedisAdapter` when it creates the client itself: the same connection settings
 * as `ioredisAdapter`'s, with the same defaults and meaning (see `IoredisAdapterOptions`).
 * node-redis writes the commands of one event-loop tick together on its own, so there is no
 * auto-pipelining switch. Validated once with zod; a bad option is `E_INVALID_OPTIONS` naming the field.
 */
export type NodeRedisAdapterOptions = RedisConnectionOptions;

/** Options after validation, with defaults filled in. */
export type ResolvedNodeRedisOptions = ResolvedRedisConnectionOptions;

/** The zod schema of {@link NodeRedisAdapterOptions}. */
export const nodeRedisOptionsSchema: z.ZodType<ResolvedNodeRedisOptions, NodeRedisAdapterOptions> =
  redisConnectionOptionsSchema;

/** Validate options once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseNodeRedisOptions(input: unknown): ResolvedNodeRedisOptions {
  return withUrlDatabase(parseOptions('nodeRedisAdapter', nodeRedisOptionsSchema, input));
}
