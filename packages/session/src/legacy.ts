import type { KvStore } from '@raptorflow/core';
import type { AsyncCodec, EncryptionOptions } from '@raptorflow/core/codecs';
import { describeValue, invalidArgument, optionError } from '@raptorflow/core/kit';
import type { ClientFingerprint } from './fingerprint.js';
import { createSessions, type Sessions } from './sessions.js';

/** The old system's browser metadata: what the client looks like, plus anything else kept with it. */
export interface LegacyMetadata {
  userAgent?: string | undefined;
  ip?: string | undefined;
  browser?: string | undefined;
  os?: string | undefined;
  device?: string | undefined;
  [field: string]: unknown;
}

/** A session in the old shape. */
export interface LegacySession {
  /** The session token (what the old system called the session id). */
  readonly sessionId: string;
  readonly userId: string;
  readonly workspaceId: string | undefined;
  readonly metadata: LegacyMetadata;
  /** The presented fingerprint differed from the session's (the old system only flagged it). */
  readonly fingerprintMismatch: boolean;
  readonly createdAt: Date;
  readonly lastActivity: Date;
  readonly expiresAt: Date;
}

/** The old system's session calls; see {@link createLegacySessions}. */
export interface LegacySessions {
  /** The old `create(userId, workspaceId, metadata, fingerprint)`: the new session's id (its token). */
  create(
    userId: string,
    workspaceId?: string,
    metadata?: LegacyMetadata,
    fingerprint?: ClientFingerprint,
  ): Promise<string>;
  /** The old `get(sessionId)`: the session, its TTL slid (24 h by default), or `null`. */
  get(sessionId: string, fingerprint?: ClientFingerprint): Promise<LegacySession | null>;
  /** The old `update(sessionId, metadata)`: merge metadata fields; `false` when the session is gone. */
  update(sessionId: string, metadata: Partial<LegacyMetadata>): Promise<boolean>;
  /** The old `extend(sessionId, ttlSeconds)`: push the expiry to now + ttl; `false` when gone. */
  extend(sessionId: string, ttlSeconds?: number): Promise<boolean>;
  /** The old `delete(sessionId)`. */
  delete(sessionId: string): Promise<boolean>;
  /** The new API underneath, for code that moves on. */
  readonly sessions: Sessions<LegacyMetadata>;
}

/** Options of {@link createLegacySessions}. */
export interface LegacySessionsOptions {
  store: KvStore;
  /**
   * The sliding TTL in seconds. @default `REDIS_SESSION_TTL` from `env` (whole seconds > 0), else
   * 86400 (24 h)
   */
  ttl?: number | undefined;
  /** Where `REDIS_SESSION_TTL` is read. @default process.env */
  env?: Record<string, string | undefined> | undefined;
  /** Key prefix. @default 'rf:session:' (the same keys as `createSessions`) */
  prefix?: string | undefined;
  /**
   * Encrypt the metadata at rest, as `createSessions`'s `encryption` does (`{ current, keys }` or
   * a ready codec of strings). Metadata that does not open reads as no session (`get` gives `null`).
   */
  encryption?: EncryptionOptions | AsyncCodec<string> | undefined;
}

function ttlSeconds(options: LegacySessionsOptions): number {
  if (options.ttl !== undefined) {
    if (!Number.isSafeInteger(options.ttl) || options.ttl <= 0) {
      throw optionError(
        'createLegacySessions',
        'ttl',
        `expected whole seconds > 0, got ${describeValue(options.ttl)}`,
      );
    }
    return options.ttl;
  }
  const env =
    options.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.REDIS_SESSION_TTL;
  if (raw === undefined || raw === '') return 86_400;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) {
    throw optionError(
      'createLegacySessions',
      'REDIS_SESSION_TTL',
      `expected a whole number of seconds > 0, got ${describeValue(raw)}`,
    );
  }
  return Number(raw);
}

/**
 * The old system's session call shapes on `@raptorflow/session`, a thin wrapper: sessions of a
 * user in a workspace, with browser metadata and a fingerprint, a 24 h sliding TTL
 * (`REDIS_SESSION_TTL`). Fingerprint mismatches are flagged, as before. New code uses
 * `createSessions` for rotation, listing and revocation.
 */
export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  if (typeof options !== 'object' || options === null) {
    throw optionError(
      'createLegacySessions',
      '(options)',
      `expected an object, got ${describeValue(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!['store', 'ttl', 'env', 'prefix', 'encryption'].includes(key))
      throw optionError('createLegacySessions', key, 'is not an option');
  }
  const ttl = ttlSeconds(options) * 1000;
  // The old sessions had no absolute cap; a 30-day one bounds a session that is used every day.
  const sessions = createSessions<LegacyMetadata>({
    store: options.store,
    ttl,
    absoluteTtl: Math.max(ttl, 30 * 86_400_000),
    prefix: options.prefix,
    encryption: options.encryption,
  });
  return {
    sessions,
    async create(userId, workspaceId, metadata = {}, fingerprint) {
      const fp = fingerprint ?? { userAgent: metadata.userAgent, ip: metadata.ip };
      const { token } = await sessions.create(userId, { workspaceId, data: metadata, fingerprint: fp });
      return token;
    },
    async get(sessionId, fingerprint) {
      const s = await sessions.get(sessionId, { fingerprint });
      if (s === null) return null;
      return {
        sessionId,
        userId: s.userId,
        workspaceId: s.workspaceId,
        metadata: s.data,
        fingerprintMismatch: s.fingerprintMismatch,
        createdAt: new Date(s.createdAt),
        lastActivity: new Date(s.touchedAt),
        expiresAt: new Date(s.expiresAt),
      };
    },
    update: (sessionId, metadata) => sessions.update(sessionId, metadata),
    async extend(sessionId, seconds = ttl / 1000) {
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw invalidArgument('extend', `ttlSeconds: expected seconds > 0, got ${describeValue(seconds)}`);
      }
      return (await sessions.extend(sessionId, Math.max(1, Math.round(seconds * 1000)))) !== null;
    },
    delete: (sessionId) => sessions.destroy(sessionId),
  };
}
