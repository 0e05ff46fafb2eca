import type { KvStore } from '@raptorflow/core';
import { type Duration, durationSchema, parseOptions, type StoreFailurePolicy } from '@raptorflow/core/kit';
import { z } from 'zod';
import type { Embedder } from './embedders/embedder.js';
import { hashingEmbedder } from './embedders/hashing.js';
import type { GuardOptions } from './guards.js';
import { DEFAULT_PRICES, type PriceTable } from './prices.js';
import type { SemanticTierSettings } from './semantic/tier.js';

/** Settings of one namespace (a use of the cache with its own TTL). */
export interface LlmNamespaceOptions {
  /** How long an answer is served. @default the cache's `ttl` */
  ttl?: Duration | undefined;
  /** Look up by meaning too. @default the cache's `semantic` on/off */
  semantic?: boolean | undefined;
}

/** Settings of the semantic tier. */
export interface SemanticOptions {
  /** @default {@link hashingEmbedder}() */
  embedder?: Embedder | undefined;
  /** Cosine similarity a candidate needs, 0..1. @default the embedder's `threshold`, else 0.8 */
  threshold?: number | undefined;
  /** Guards after the threshold; all on by default. */
  guards?: GuardOptions | undefined;
  /** Entries per partition (tenant, namespace, model, parameters, context); the soonest to expire go first. @default 1000 */
  maxEntries?: number | undefined;
  /**
   * Stored vectors compared per lookup at most, whatever the partition size.
   * @default 64 up to 3,072 `maxEntries` (6 bits), else 128
   */
  maxCandidates?: number | undefined;
  /** Candidates above the threshold returned for the guards to check, closest first. @default 4 */
  topK?: number | undefined;
  /**
   * Cosine a served entry must lead every other candidate (above the threshold, passing the
   * guards, with another answer) by; closer than that, the lookup is a miss. In a crowded
   * partition the siblings of a prompt (one word swapped) score alike, well below the prompt
   * itself: a tie means the index does not hold the prompt asked about. 0 turns it off (the
   * sibling rule stays: see the README's Crowded partitions).
   * @default 0.05
   */
  margin?: number | undefined;
  /** LSH bands: buckets per entry. @default from `bits`: 24 at 6, 32 at 7 and 8, 48 from 9 */
  bands?: number | undefined;
  /**
   * LSH hyperplanes per band: 2^bits buckets per band. A band indexes about 2^bits × bucketSize
   * entries; past that, crowded buckets trim entries and a rewording can find a sibling of its
   * prompt instead of the prompt. @default from `maxEntries`: the smallest (at least 6) with
   * 2^bits × bucketSize ≥ 2 × maxEntries (6 for 1,000 entries, 8 for 10k, 12 for 100k)
   */
  bits?: number | undefined;
  /**
   * Ids a bucket keeps, newest last: the oldest leave a crowded bucket, which bounds the work of
   * every insert and lookup (at most `bands × bucketSize` ids read) whatever the partition size.
   * @default 96
   */
  bucketSize?: number | undefined;
}

/** Options of {@link createLlmCache}. */
export interface LlmCacheOptions {
  /** The store: any RaptorFlow KV store (memory, ioredis standalone or Cluster, Upstash). */
  store: KvStore;
  /** How long an answer is served (absolute, never extended by hits). @default '1h' */
  ttl?: Duration | undefined;
  /** Namespaces with their own settings; `default` always exists. */
  namespaces?: Readonly<Record<string, LlmNamespaceOptions>> | undefined;
  /** The semantic tier: `false` for exact only, `true` or settings. @default true */
  semantic?: boolean | SemanticOptions | undefined;
  /** Requests with a higher `params.temperature` are not cached unless a call passes `anyTemperature`. @default 1 */
  maxTemperature?: number | undefined;
  /** Prices for the savings of a hit. @default {@link DEFAULT_PRICES} */
  prices?: PriceTable | undefined;
  /** One model call per exact request across processes too (a lease in the store), not only within one. @default false */
  lease?: boolean | undefined;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:llm-cache:' */
  prefix?: string | undefined;
  /**
   * When the store fails: `fail-open` serves a miss (the model is called, nothing is cached),
   * `fail-closed` rejects with the store's error, `fallback` uses the cache package's in-memory
   * fallback for the exact tier and a miss for the semantic tier. @default 'fail-open'
   */
  onStoreError?: StoreFailurePolicy | undefined;
}

/** {@link LlmCacheOptions} once validated. */
export interface ResolvedLlmCacheOptions {
  readonly store: KvStore;
  readonly ttl: number;
  readonly namespaces: Readonly<Record<string, { readonly ttl: number; readonly semantic: boolean }>>;
  readonly semantic: false | SemanticTierSettings;
  readonly maxTemperature: number;
  readonly prices: PriceTable;
  readonly lease: boolean;
  readonly prefix: string;
  readonly onStoreError: StoreFailurePolicy;
}

const isStore = (value: unknown): value is KvStore =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<KvStore>).eval === 'function' &&
  typeof (value as Partial<KvStore>).namespace === 'function';

const isEmbedder = (value: unknown): value is Embedder =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<Embedder>).embed === 'function' &&
  typeof (value as Partial<Embedder>).id === 'string' &&
  (value as Embedder).id.length > 0;

const NAMESPACE = /^[A-Za-z0-9_-]{1,48}$/;
const GUARDS = z
  .strictObject({
    numbers: z.boolean().optional(),
    negation: z.boolean().optional(),
    antonym: z.boolean().optional(),
    entities: z.boolean().optional(),
    units: z.boolean().optional(),
    scope: z.boolean().optional(),
    time: z.boolean().optional(),
    roles: z.boolean().optional(),
  })
  .default({});

const SEMANTIC = z.strictObject({
  embedder: z.custom<Embedder>(isEmbedder, 'expected an Embedder ({ id, embed })').optional(),
  threshold: z.number().min(0).max(1).optional(),
  guards: GUARDS,
  maxEntries: z.number().int().min(1).max(1_000_000).default(1000),
  maxCandidates: z.number().int().min(1).max(5000).optional(),
  topK: z.number().int().min(1).max(50).default(4),
  margin: z.number().min(0).max(1).default(0.05),
  bands: z.number().int().min(1).max(64).optional(),
  bits: z.number().int().min(1).max(24).optional(),
  bucketSize: z.number().int().min(1).max(10_000).default(96),
});

const PRICE = z.strictObject({ input: z.number().min(0), output: z.number().min(0) });

const SCHEMA = z.strictObject({
  store: z.custom<KvStore>(isStore, 'expected a RaptorFlow KV store'),
  ttl: durationSchema({ min: 1 }).default(3_600_000),
  namespaces: z
    .record(
      z.string().regex(NAMESPACE, 'namespace names are letters, digits, _ and -, 1 to 48 characters'),
      z.strictObject({ ttl: durationSchema({ min: 1 }).optional(), semantic: z.boolean().optional() }),
    )
    .default({}),
  semantic: z.union([z.boolean(), SEMANTIC]).default(true),
  maxTemperature: z.number().min(0).default(1),
  prices: z
    .strictObject({
      date: z.string().min(1),
      currency: z.string().min(1).optional(),
      models: z.record(z.string(), PRICE),
    })
    .default(DEFAULT_PRICES as never),
  lease: z.boolean().default(false),
  prefix: z.string().optional(),
  onStoreError: z.enum(['fail-open', 'fail-closed', 'fallback']).default('fail-open'),
});

/**
 * The index shape for a partition of `maxEntries`, where not set: enough buckets per band
 * (2^bits) that a band holds the whole partition with buckets half full on average, so crowded
 * buckets seldom trim the entry a rewording is looking for (6 bits up to 3,072 entries of 96-id
 * buckets); more bands as buckets get finer (a finer bucket catches fewer rewordings per band):
 * 24 at 6 bits, 32 at 7 and 8, 48 from 9; and 128 candidates past 6 bits, 64 below (in a crowded
 * partition the lookup must see several siblings of a missing prompt to refuse them).
 */
export function indexSize(
  maxEntries: number,
  bucketSize: number,
  set: {
    readonly bits?: number | undefined;
    readonly bands?: number | undefined;
    readonly maxCandidates?: number | undefined;
  } = {},
): { bits: number; bands: number; maxCandidates: number } {
  const bits = set.bits ?? Math.min(24, Math.max(6, Math.ceil(Math.log2((2 * maxEntries) / bucketSize))));
  return {
    bits,
    bands: set.bands ?? (bits <= 6 ? 24 : bits <= 8 ? 32 : 48),
    maxCandidates: set.maxCandidates ?? (bits <= 6 ? 64 : 128),
  };
}

/** Validate {@link LlmCacheOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseLlmCacheOptions(input: LlmCacheOptions): ResolvedLlmCacheOptions {
  const o = parseOptions('createLlmCache', SCHEMA, input);
  const semanticOn = o.semantic !== false;
  const s = o.semantic === true ? SEMANTIC.parse({}) : o.semantic;
  const semantic =
    s === false
      ? (false as const)
      : (() => {
          const embedder = s.embedder ?? hashingEmbedder();
          return {
            embedder,
            threshold: s.threshold ?? embedder.threshold ?? 0.8,
            guards: s.guards,
            maxEntries: s.maxEntries,
            topK: s.topK,
            margin: s.margin,
            ...indexSize(s.maxEntries, s.bucketSize, s),
            bucketSize: s.bucketSize,
          };
        })();
  const namespaces: Record<string, { ttl: number; semantic: boolean }> = {
    default: { ttl: o.ttl, semantic: semanticOn },
  };
  for (const [name, ns] of Object.entries(o.namespaces)) {
    namespaces[name] = { ttl: ns.ttl ?? o.ttl, semantic: semanticOn && (ns.semantic ?? true) };
  }
  return {
    store: o.store,
    ttl: o.ttl,
    namespaces,
    semantic,
    maxTemperature: o.maxTemperature,
    prices: o.prices as PriceTable,
    lease: o.lease,
    prefix: o.prefix ?? 'rf:llm-cache:',
    onStoreError: o.onStoreError,
  };
}
