import type { KvStore } from '@raptorflow/core';
import { type Duration, durationSchema, parseOptions } from '@raptorflow/core/kit';
import * as z from 'zod';

/** Options of {@link createRealtime}. */
export interface RealtimeOptions {
  /**
   * The store: any RaptorFlow KV store. Live delivery uses its pub/sub when it has one
   * (`capabilities.pubsub`: memory, ioredis); without it (Upstash over HTTP) SSE streams poll the
   * replay buffer every `pollInterval`. Give it a store without an L1 layer (or keep
   * `rf:realtime:` outside L1's `only`): every call writes.
   */
  store: KvStore;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:realtime:' */
  prefix?: string | undefined;
  /** How many recent messages each channel keeps for `Last-Event-ID` replay, 1 to 10 000. @default 100 */
  replay?: number | undefined;
  /** How long a channel's buffer and sequence live after its last message. @default '1h' */
  retention?: Duration | undefined;
  /** How long a member stays present without a heartbeat. @default '30s' */
  presenceTtl?: Duration | undefined;
  /** Interval of SSE keep-alive comments (and presence heartbeats of a stream). @default '15s' */
  heartbeat?: Duration | undefined;
  /** Polling interval of SSE streams on a store without pub/sub. @default '1s' */
  pollInterval?: Duration | undefined;
  /** Largest message, in bytes of its JSON (UTF-8), 1 to 1 MiB. @default 65536 */
  maxMessageBytes?: number | undefined;
}

/** {@link RealtimeOptions} once validated: durations in whole ms, defaults filled in. */
export interface ResolvedRealtimeOptions {
  readonly store: KvStore;
  readonly prefix?: string | undefined;
  readonly replay: number;
  readonly retention: number;
  readonly presenceTtl: number;
  readonly heartbeat: number;
  readonly pollInterval: number;
  readonly maxMessageBytes: number;
}

// Duck-typed, not `instanceof`: a store from a second copy of core (or a layer) is still a store.
const isStore = (value: unknown): value is KvStore =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<KvStore>).eval === 'function' &&
  typeof (value as Partial<KvStore>).namespace === 'function';

const SCHEMA: z.ZodType<ResolvedRealtimeOptions, RealtimeOptions> = z.strictObject({
  store: z.custom<KvStore>(isStore, 'expected a RaptorFlow KV store'),
  prefix: z.string().optional(),
  replay: z.number().int().min(1).max(10_000).default(100),
  retention: durationSchema().default(3_600_000),
  presenceTtl: durationSchema().default(30_000),
  heartbeat: durationSchema().default(15_000),
  pollInterval: durationSchema().default(1_000),
  maxMessageBytes: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024)
    .default(65_536),
});

/** Validate {@link RealtimeOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseRealtimeOptions(input: RealtimeOptions): ResolvedRealtimeOptions {
  return parseOptions('createRealtime', SCHEMA, input);
}
