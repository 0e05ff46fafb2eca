import type { KvStore } from '@raptorflow/core';
import { type Duration, durationSchema, parseOptions } from '@raptorflow/core/kit';
import { z } from 'zod';

/** Options of {@link createQueue}. */
export interface QueueOptions {
  /**
   * The store: any RaptorFlow KV store (memory, ioredis standalone or Cluster, Upstash). Every
   * call writes, so give it a store without an L1 layer: L1 would evict and publish each write.
   */
  store: KvStore;
  /**
   * How long a counter lives after its first increment, then it starts again from 0 (a fixed
   * window on the store's clock): ms, or a string such as `'10s'`, `'15m'`, `'1d'`.
   * @default '1m'
   */
  window?: Duration | undefined;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:queue:' */
  prefix?: string | undefined;
}

/** {@link QueueOptions} once validated: durations in whole ms, defaults filled in. */
export interface ResolvedQueueOptions {
  readonly store: KvStore;
  /** The window, in ms. */
  readonly window: number;
  /** The `prefix` option, when given. */
  readonly prefix?: string | undefined;
}

// Duck-typed, not `instanceof`: a store from a second copy of core (or a layer) is still a store.
const isStore = (value: unknown): value is KvStore =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<KvStore>).eval === 'function' &&
  typeof (value as Partial<KvStore>).namespace === 'function';

// The annotation ties the schema to the documented interface: the public option type is the
// schema's input, and tsc fails when the two drift apart.
const SCHEMA: z.ZodType<ResolvedQueueOptions, QueueOptions> = z.strictObject({
  store: z.custom<KvStore>(isStore, 'expected a RaptorFlow KV store'),
  window: durationSchema().default(60_000),
  prefix: z.string().optional(),
});

/** Validate {@link QueueOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseQueueOptions(input: QueueOptions): ResolvedQueueOptions {
  return parseOptions('createQueue', SCHEMA, input);
}
