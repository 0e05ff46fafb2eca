import type { KvStore } from '@raptorflow/core';
import { type AsyncCodec, type EncryptionOptions, encryptedCodec } from '@raptorflow/core/codecs';
import { type Duration, durationSchema, optionError, parseOptions, requireStore } from '@raptorflow/core/kit';
import { z } from 'zod';

/** A session's data: named JSON values (each stored as its own member, so updates merge). */
export type SessionData = Record<string, unknown>;

/** What `get` does when the presented fingerprint differs from the session's. */
export type FingerprintPolicy = 'ignore' | 'flag' | 'reject';

/** Options of {@link createSessions}. */
export interface SessionsOptions<D extends SessionData = SessionData> {
  /**
   * The store: any RaptorFlow KV store. Give it one without L1 (every `get` may write) and not a
   * `withFailover` store whose policy is `fallback`: sessions in per-process memory log users out
   * at random across instances, so that is refused.
   */
  store: KvStore;
  /** The idle TTL: a session expires this long after its last touch. @default '24h' */
  ttl?: Duration | undefined;
  /** The absolute cap: no session lives longer than this after its creation, touched or not. @default '7d' */
  absoluteTtl?: Duration | undefined;
  /**
   * The touch throttle: `get` slides the expiry only when the last touch is at least this old,
   * so most reads write nothing. `0` touches on every read.
   * @default a quarter of `ttl`, at most '1h'
   */
  touchAfter?: Duration | undefined;
  /**
   * A presented fingerprint that differs from the session's: `ignore` it, `flag` it
   * (`fingerprintMismatch: true` on the session, outcome `flagged`), or `reject` the session for
   * this request (`get` returns `null`, no touch; the session itself is kept).
   * @default 'flag'
   */
  fingerprint?: FingerprintPolicy | undefined;
  /**
   * A zod object schema of the data: checked on `create` (whole) and `update` (the patch, by
   * `schema.partial()`); stored data that fails it reads as no session (outcome `invalid`).
   */
  schema?: z.ZodType<D> | undefined;
  /**
   * When the store fails: `fail-closed` (the default) rejects with the store's error, which the
   * middlewares answer with 503; `fail-open` makes `get` return `null` (the visitor looks logged
   * out) while writes still reject. A `withFailover` layer's policy applies when this is unset.
   * @default 'fail-closed'
   */
  failurePolicy?: 'fail-closed' | 'fail-open' | undefined;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:session:' */
  prefix?: string | undefined;
  /**
   * Encrypt the session data at rest: `{ current, keys }` as core's `encryptedCodec` takes them
   * (AES-GCM through Web Crypto; new writes use `current`, reads accept every key in `keys`, so
   * keys rotate), or a ready codec of strings (an `encryptedCodec` shared with other packages).
   * Each data field's value is sealed with its name; field names, user and workspace ids and
   * times stay readable (the scripts need them). Data that does not open (a wrong or unknown
   * key, tampering) reads as no session, outcome `invalid` with error `E_CODEC`.
   */
  encryption?: EncryptionOptions | AsyncCodec<string> | undefined;
}

/** {@link SessionsOptions} once validated. */
export interface ResolvedSessionsOptions<D extends SessionData = SessionData> {
  readonly store: KvStore;
  readonly ttl: number;
  readonly absoluteTtl: number;
  readonly touchAfter?: number | undefined;
  readonly fingerprint: FingerprintPolicy;
  readonly schema?: z.ZodType<D> | undefined;
  readonly failurePolicy?: 'fail-closed' | 'fail-open' | undefined;
  readonly prefix?: string | undefined;
  readonly encryption?: EncryptionOptions | AsyncCodec<string> | undefined;
}

const DAY = 86_400_000;

/** The `encryption` option's schema (shared with the express-session store). */
export function encryptionSchema(): z.ZodOptional<
  z.ZodCustom<EncryptionOptions | AsyncCodec<string>, EncryptionOptions | AsyncCodec<string>>
> {
  return z
    .custom<EncryptionOptions | AsyncCodec<string>>(
      (v) => typeof v === 'object' && v !== null,
      'expected { current, keys } or an encryptedCodec',
    )
    .optional();
}

const SCHEMA: z.ZodType<ResolvedSessionsOptions, SessionsOptions> = z.strictObject({
  store: z.custom<KvStore>(() => true),
  ttl: durationSchema().default(DAY),
  absoluteTtl: durationSchema().default(7 * DAY),
  touchAfter: durationSchema({ min: 0 }).optional(),
  fingerprint: z.enum(['ignore', 'flag', 'reject']).default('flag'),
  schema: z
    .custom<z.ZodType<SessionData>>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as { safeParse?: unknown }).safeParse === 'function' &&
        typeof (v as { partial?: unknown }).partial === 'function',
      'expected a zod object schema (z.object(...))',
    )
    .optional(),
  failurePolicy: z.enum(['fail-closed', 'fail-open']).optional(),
  prefix: z.string().optional(),
  encryption: encryptionSchema(),
});

/** Validate {@link SessionsOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseSessionsOptions<D extends SessionData>(
  input: SessionsOptions<D>,
): ResolvedSessionsOptions<D> & { readonly touchAfter: number } {
  if (typeof input === 'object' && input !== null) requireStore('createSessions', input.store);
  const o = parseOptions('createSessions', SCHEMA, input) as ResolvedSessionsOptions<D>;
  const touchAfter = o.touchAfter ?? Math.min(3_600_000, Math.floor(o.ttl / 4));
  if (touchAfter >= o.ttl) {
    throw optionError(
      'createSessions',
      'touchAfter',
      `must be shorter than ttl (${o.ttl} ms), got ${touchAfter}`,
    );
  }
  return { ...o, touchAfter };
}

function isCodec(v: object): v is AsyncCodec<string> {
  return (
    typeof (v as { encode?: unknown }).encode === 'function' &&
    typeof (v as { decode?: unknown }).decode === 'function'
  );
}

const RAW = { name: 'raw', encode: (v: string): string => v, decode: (v: string): string => v };

/** The codec that seals session data, built once from the `encryption` option. */
export function sessionCodec(
  encryption: EncryptionOptions | AsyncCodec<string> | undefined,
  where = 'createSessions',
): AsyncCodec<string> | undefined {
  if (encryption === undefined) return undefined;
  if (isCodec(encryption)) return encryption;
  try {
    return encryptedCodec(RAW, encryption);
  } catch (error) {
    // encryptedCodec names its own field (`keys.k1`, `current`): keep it under ours.
    const detail = error instanceof Error ? error.message.replace(/^encryptedCodec: /, '') : String(error);
    throw optionError(where, 'encryption', detail);
  }
}
