import { type Codec, compressedCodec, type KvStore, schemaCodec } from '@raptorflow/core';
import type { EncryptionOptions } from '@raptorflow/core/codecs';
import {
  type Duration,
  durationSchema,
  invalidOptions,
  optionError,
  parseOptions,
  resolvePolicy,
  type StoreFailurePolicy,
} from '@raptorflow/core/kit';
import * as z from 'zod';
import { type NamespaceEncryption, namespaceEncryption, SEALED_CODEC } from './encryption.js';
import { type Envelope, envelopeCodec } from './envelope.js';
import { checkNamespaceName } from './keys.js';
import { strictJsonCodec } from './value-codec.js';

/**
 * The cache's first names for the failure policies, still accepted:
 * `'serve-stale'` is `'fallback'`, `'bypass'` is `'fail-open'`, `'throw'` is `'fail-closed'`.
 * @deprecated Use the {@link StoreFailurePolicy} names; these are mapped when the options are parsed.
 */
export type LegacyStoreErrorPolicy = 'serve-stale' | 'bypass' | 'throw';

/**
 * What `onStoreError` accepts: a {@link StoreFailurePolicy}, or one of its deprecated cache names.
 * @deprecated Type `onStoreError` values as `StoreFailurePolicy` from `@raptorflow/core/kit`.
 */
export type StoreErrorPolicy = StoreFailurePolicy | LegacyStoreErrorPolicy;

const LEGACY_POLICIES: Readonly<Record<LegacyStoreErrorPolicy, StoreFailurePolicy>> = {
  'serve-stale': 'fallback',
  bypass: 'fail-open',
  throw: 'fail-closed',
};

/** Options of one namespace (or `defaults` for every namespace). */
export interface NamespaceOptions {
  /** How long a value is fresh. @default '5m' */
  ttl?: Duration | undefined;
  /**
   * How long after `ttl` a stale value may still be served: when the factory fails or times
   * out, with `staleWhileRevalidate`, while another process holds the lease, or after a soft
   * tag invalidation. The store keeps the entry for `ttl + grace`. @default 0
   */
  grace?: Duration | undefined;
  /** Each write's TTL is shortened by a random fraction up to this, so keys written together do not expire together. 0 to 1. @default 0.1 */
  jitter?: number | undefined;
  /** TTL of negative entries (a factory result of `null` or `undefined`); 0 does not cache them. @default 0 */
  negativeTtl?: Duration | undefined;
  /** Serve a stale value at once and refresh it in the background (see `status.pending`). @default false */
  staleWhileRevalidate?: boolean | undefined;
  /** Refresh in the background once this fraction of `ttl` has passed (0 = off), e.g. 0.8. @default 0 */
  earlyRefresh?: number | undefined;
  /** With a stale value at hand, wait this long for the factory, then serve stale while it finishes. @default none */
  softTimeout?: Duration | undefined;
  /** Give up on the factory after this long: `E_TIMEOUT`, or the stale value when there is one. @default none */
  hardTimeout?: Duration | undefined;
  /**
   * Single flight across processes: one process computes a missing value under a lease in the
   * store (SET NX PX with an owner token), the others serve stale or wait for its write.
   * `true` uses the defaults. @default false
   */
  lease?: boolean | { ttl?: Duration | undefined; wait?: Duration | undefined } | undefined;
  /** Store SHA-256 hashes of keys instead of the keys (long keys, personal data). @default false */
  hashKeys?: boolean | undefined;
  /** Value codec. @default strict JSON (see README, Values) */
  codec?: Codec<unknown> | undefined;
  /** lz-string compression of encoded values at least this many characters long; `false` is off. @default 1024 */
  compressAbove?: number | false | undefined;
  /** A zod schema checked on read: a stored value that fails it is a miss (`decode-error` event). */
  schema?: z.ZodType | undefined;
  /**
   * Encrypt values in the store with AES-GCM (Web Crypto, edge-safe): `{ current, keys }` as
   * core's `encryptedCodec` takes them, keys by id (16, 24 or 32 bytes, raw or base64). Writes
   * use `current`; reads accept every listed key, so keys rotate. Values are compressed first
   * (`compressAbove`), then encrypted; L1 keeps them decrypted. A value no key opens, tampered,
   * truncated or moved from another key is a miss with a `decode-error` (`E_CODEC`). `false`
   * turns off encryption set in `defaults`. @default off
   */
  encryption?: EncryptionOptions | false | undefined;
}

const RAW_TEXT: Codec<unknown> = { name: 'text', encode: String, decode: (v) => v };

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** The store: any RaptorFlow KV store, or core's `withL1(store)` stack for an in-process tier. */
  store: KvStore;
  /** Prefix of every key the cache writes. @default 'cache:' */
  prefix?: string | undefined;
  /** Options of every namespace, under `namespaces`' own. */
  defaults?: NamespaceOptions | undefined;
  /** Options per namespace name (letters, digits, `_`, `-`). Other names get `defaults`. */
  namespaces?: Readonly<Record<string, NamespaceOptions>> | undefined;
  /** Longest wait for one store call before it counts as failed (`E_TIMEOUT`). @default '1s' */
  timeout?: Duration | undefined;
  /**
   * What to do when the store fails or does not answer within `timeout`: `'fallback'` serves the
   * stale copy at hand (L1 or within grace), `'fail-open'` goes on without the store (reads
   * miss, writes are dropped), `'fail-closed'` throws. The cache's former names `'serve-stale'`,
   * `'bypass'` and `'throw'` are deprecated aliases of these three. @default 'fallback'
   */
  onStoreError?: StoreFailurePolicy | LegacyStoreErrorPolicy | undefined;
  /**
   * After a clear, reclaim the old generation's memory with a background SCAN that deletes at
   * most `maxKeys` keys (`false` leaves them to their TTLs). @default { maxKeys: 100000 }
   */
  purge?: false | { maxKeys?: number | undefined } | undefined;
}

const namespaceSchema = z
  .object({
    ttl: durationSchema({ min: 1 }).default(300_000),
    grace: durationSchema({ min: 0 }).default(0),
    jitter: z.number().min(0).max(1).default(0.1),
    negativeTtl: durationSchema({ min: 0 }).default(0),
    staleWhileRevalidate: z.boolean().default(false),
    earlyRefresh: z.number().min(0).max(1).default(0),
    softTimeout: durationSchema({ min: 0 }).optional(),
    hardTimeout: durationSchema({ min: 1 }).optional(),
    lease: z
      .union([
        z.boolean(),
        z
          .object({ ttl: durationSchema({ min: 1 }).optional(), wait: durationSchema({ min: 0 }).optional() })
          .strict(),
      ])
      .default(false),
    hashKeys: z.boolean().default(false),
    codec: z
      .custom<Codec<unknown>>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as Codec<unknown>).encode === 'function' &&
          typeof (v as Codec<unknown>).decode === 'function',
        'must be a codec (encode and decode)',
      )
      .optional(),
    compressAbove: z.union([z.number().int().min(0), z.literal(false)]).default(1024),
    schema: z
      .custom<z.ZodType>(
        (v) => typeof (v as z.ZodType | null)?.safeParse === 'function',
        'must be a zod schema',
      )
      .optional(),
    // Checked field by field by namespaceEncryption and core's encryptedCodec (ids, sizes, base64).
    encryption: z
      .custom<EncryptionOptions | false>(
        (v) => v === false || (typeof v === 'object' && v !== null && !Array.isArray(v)),
        'must be { current, keys } or false',
      )
      .optional(),
  })
  .strict();

const cacheSchema = z
  .object({
    store: z.custom<KvStore>(
      (v) => typeof (v as KvStore | null)?.namespace === 'function',
      'must be a RaptorFlow KV store',
    ),
    prefix: z
      .string()
      .min(1)
      .regex(/^[^{}]*$/, 'must not contain { or } (the workspace is the hash tag)')
      .default('cache:'),
    defaults: z.record(z.string(), z.unknown()).optional(),
    namespaces: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    timeout: durationSchema({ min: 1 }).default(1000),
    onStoreError: z
      .enum(['fallback', 'fail-open', 'fail-closed', 'serve-stale', 'bypass', 'throw'])
      .transform(
        (p): StoreFailurePolicy =>
          p in LEGACY_POLICIES ? LEGACY_POLICIES[p as LegacyStoreErrorPolicy] : (p as StoreFailurePolicy),
      )
      .optional(),
    purge: z
      .union([z.literal(false), z.object({ maxKeys: z.number().int().positive().optional() }).strict()])
      .default({}),
  })
  .strict();

/** A namespace's resolved configuration. */
export interface NamespaceConfig {
  readonly name: string;
  readonly ttl: number;
  readonly grace: number;
  readonly jitter: number;
  readonly negativeTtl: number;
  readonly staleWhileRevalidate: boolean;
  readonly earlyRefresh: number;
  readonly softTimeout: number | undefined;
  readonly hardTimeout: number | undefined;
  /** `undefined` when off. */
  readonly lease: { readonly ttl: number; readonly wait: number } | undefined;
  readonly hashKeys: boolean;
  /** Encodes values (JSON, compression). */
  readonly valueCodec: Codec<unknown>;
  /** Decodes stored entries (header, value, schema); with encryption, the payload stays sealed. */
  readonly entryCodec: Codec<Envelope>;
  /** `undefined` when values are stored in the clear. */
  readonly encryption: NamespaceEncryption | undefined;
}

/** The resolved options of {@link createCache}. */
export interface ResolvedCacheOptions {
  readonly store: KvStore;
  readonly prefix: string;
  readonly timeout: number;
  /** The failure policy, legacy names mapped. */
  readonly onStoreError: StoreFailurePolicy;
  readonly purgeMaxKeys: number | undefined;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly namespaces: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Parse namespace options found at `path` (`defaults`, `namespaces.<name>`), so an error names
 * the full field (`createCache: namespaces.profiles.ttl: …`) in the kit's format.
 */
function parseNamespaceOptions(input: unknown, path: readonly string[]): z.output<typeof namespaceSchema> {
  const parsed = namespaceSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) issue.path.unshift(...path);
  throw invalidOptions('createCache', parsed.error);
}

/** Validate the options of {@link createCache}, including every namespace's. */
export function parseCacheOptions(input: CacheOptions): ResolvedCacheOptions {
  const o = parseOptions('createCache', cacheSchema, input);
  const defaults = o.defaults ?? {};
  const namespaces = o.namespaces ?? {};
  const resolved: ResolvedCacheOptions = {
    store: o.store,
    prefix: o.prefix,
    timeout: o.timeout,
    // The option, else a `withFailover` layer's policy, else serve the stale copy.
    onStoreError: resolvePolicy(o.store, o.onStoreError, 'fallback'),
    purgeMaxKeys: o.purge === false ? undefined : (o.purge.maxKeys ?? 100_000),
    defaults,
    namespaces,
  };
  // Validate every configured namespace now, so a typo fails at start-up, not on first use.
  const parsedDefaults = parseNamespaceOptions(defaults, ['defaults']);
  if (parsedDefaults.encryption) namespaceEncryption(parsedDefaults.encryption, RAW_TEXT, 'defaults');
  for (const name of Object.keys(namespaces)) {
    try {
      checkNamespaceName(name);
    } catch {
      throw optionError(
        'createCache',
        `namespaces.${name}`,
        'a namespace name is 1 to 64 letters, digits, _ or -',
      );
    }
    resolveNamespace(resolved, name);
  }
  return resolved;
}

/** The configuration of namespace `name`: its options over `defaults`. */
export function resolveNamespace(options: ResolvedCacheOptions, name: string): NamespaceConfig {
  const o = parseNamespaceOptions({ ...options.defaults, ...options.namespaces[name] }, ['namespaces', name]);
  const base = o.codec ?? strictJsonCodec();
  const valueCodec = o.compressAbove === false ? base : compressedCodec(base, { threshold: o.compressAbove });
  const readCodec = o.schema ? schemaCodec(valueCodec, o.schema) : valueCodec;
  const encryption = o.encryption
    ? namespaceEncryption(o.encryption, readCodec as Codec<unknown>, `namespaces.${name}`)
    : undefined;
  const lease =
    o.lease === false
      ? undefined
      : {
          ttl: (o.lease === true ? undefined : o.lease.ttl) ?? o.hardTimeout ?? 10_000,
          wait: (o.lease === true ? undefined : o.lease.wait) ?? 5_000,
        };
  return {
    name,
    ttl: o.ttl,
    grace: o.grace,
    jitter: o.jitter,
    negativeTtl: o.negativeTtl,
    staleWhileRevalidate: o.staleWhileRevalidate,
    earlyRefresh: o.earlyRefresh,
    softTimeout: o.softTimeout,
    hardTimeout: o.hardTimeout,
    lease,
    hashKeys: o.hashKeys,
    valueCodec,
    // Encrypted: the header is read at once, the payload decrypted after (see encryption.ts).
    entryCodec: envelopeCodec(encryption ? SEALED_CODEC : (readCodec as Codec<unknown>)),
    encryption,
  };
}
