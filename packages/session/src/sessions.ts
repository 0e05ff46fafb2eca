import { findLayer, type KvStore } from '@raptorflow/core';
import { asNullableString, type KvDriver } from '@raptorflow/core/driver';
import {
  describeValue,
  featureKeyspace,
  invalidArgument,
  isStoreFailure,
  optionError,
  parseDuration,
  resolvePolicy,
} from '@raptorflow/core/kit';
import type { z } from 'zod';
import { dataText, decodeData, encodeData, openData, sealMembers, validate } from './data.js';
import {
  emitOperation,
  FEATURE,
  type FeatureHub,
  featureHub,
  operationStart,
  type SessionOperation,
} from './events.js';
import { type ClientFingerprint, fingerprintHash } from './fingerprint.js';
import { sessionKeyLayout } from './keys.js';
import { parseSessionsOptions, type SessionData, type SessionsOptions, sessionCodec } from './options.js';
import { plainGet } from './plain-get.js';
import {
  CREATE,
  DESTROY,
  EXTEND,
  encodeCreateArgs,
  encodeUpdateArgs,
  GET,
  LIST,
  REVOKE_ALL,
  ROTATE,
  type SessionRecord,
  UPDATE,
} from './scripts/index.js';
import { newToken, tokenHash, tokenSlot, tokenTag } from './token.js';

/** A session as `get` returns it. */
export interface Session<D extends SessionData = SessionData> {
  /** The session's id in the store: SHA-256 of its token, hex. Safe to show and log. */
  readonly id: string;
  readonly userId: string;
  readonly workspaceId: string | undefined;
  /** Its data. */
  readonly data: D;
  /** Creation, last touch, expiry unless touched, and the absolute cap: ms on the store's clock. */
  readonly createdAt: number;
  readonly touchedAt: number;
  readonly expiresAt: number;
  readonly absoluteExpiresAt: number;
  /** This read slid the expiry (a middleware then re-sends the cookie with the new expiry). */
  readonly touched: boolean;
  /** The presented fingerprint differs from the session's (policy `flag`). */
  readonly fingerprintMismatch: boolean;
}

/** A session in a user's list (no token: the store does not have it). */
export type SessionInfo<D extends SessionData = SessionData> = Omit<
  Session<D>,
  'touched' | 'fingerprintMismatch'
>;

/** What `create` and `rotate` return. */
export interface IssuedSession {
  /** The token to hand to the client (a cookie); only its hash is stored. See README "Token format". */
  readonly token: string;
  /** The session's id (SHA-256 of the token, hex). */
  readonly id: string;
  /** When it expires unless touched, ms on the store's clock. */
  readonly expiresAt: number;
}

/** Options of `create`. */
export interface CreateOptions<D extends SessionData = SessionData> {
  /** The workspace (tenant) the session is for; `get` can require it. */
  workspaceId?: string | undefined;
  /** The session's first data. */
  data?: D | undefined;
  /** The client's fingerprint, compared by `get` according to the `fingerprint` policy. */
  fingerprint?: ClientFingerprint | undefined;
}

/** Options of `get`. */
export interface GetOptions {
  /** The presenting client's fingerprint. */
  fingerprint?: ClientFingerprint | undefined;
  /** Only a session of this workspace reads; another workspace's session is `null`, untouched. */
  workspaceId?: string | undefined;
}

/** Sessions on a RaptorFlow KV store; see {@link createSessions}. */
export interface Sessions<D extends SessionData = SessionData> {
  /** Start a session for `userId`: one round trip. */
  create(userId: string, options?: CreateOptions<D>): Promise<IssuedSession>;
  /**
   * The session of `token`, or `null` (never existed, expired, destroyed, rotated, revoked; a
   * malformed token is `null` without a round trip). One round trip on Redis: a plain `GET`
   * while no touch can be due, else the get script, which slides the expiry when the throttle
   * says so (README "Round trips").
   */
  get(token: string, options?: GetOptions): Promise<Session<D> | null>;
  /**
   * Merge `patch` into the session's data atomically (an `undefined` value deletes the field);
   * the expiry is unchanged. `false` when there is no such session.
   */
  update(token: string, patch: Partial<D>): Promise<boolean>;
  /** Set the expiry to now + `ttl` (never past the absolute cap); the new expiry, or `null`. */
  extend(token: string, ttl: number | string): Promise<number | null>;
  /** End the session; `false` when there was none. */
  destroy(token: string): Promise<boolean>;
  /** A new token for the same session (after login or a privilege change); the old one is dead at once. */
  rotate(token: string): Promise<IssuedSession | null>;
  /** The user's live sessions (their ids, never tokens); prunes the user's index as it reads. */
  list(userId: string): Promise<SessionInfo<D>[]>;
  /** End one session of the user by its id (from `list`): "log out that device". */
  revoke(userId: string, id: string): Promise<boolean>;
  /** End every session of the user except `except` (a token, usually the current one), in one round trip. */
  revokeAll(userId: string, options?: { except?: string | undefined }): Promise<number>;
  /**
   * How many sessions are live now (expiry after the store's clock), counted exactly from the
   * 4,096 per-tag active sets the scripts keep: 4,096 `ZCOUNT`s in {@link ACTIVE_COUNT_CHUNK}-command
   * batches, one round trip each, plus a `TIME`. Made for a metrics gauge read once a minute,
   * not for a request path.
   */
  countActive(): Promise<number>;
  /** The idle TTL, ms. */
  readonly ttl: number;
}

/** `ZCOUNT`s per batch of {@link Sessions.countActive}: 4,096 tags in 8 round trips. */
export const ACTIVE_COUNT_CHUNK: number = 512;

/** Every session tag, `000` to `fff` (see `token.ts`). */
const TAGS: readonly string[] = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'));

function checkUser(where: string, userId: unknown): string {
  if (
    typeof userId !== 'string' ||
    userId === '' ||
    !userId.isWellFormed() ||
    userId.length > 1024 ||
    userId.includes('\0')
  ) {
    throw invalidArgument(
      where,
      `userId: expected a non-empty string (at most 1024 characters, no NUL), got ${describeValue(userId)}`,
    );
  }
  return userId;
}

function checkToken(where: string, token: unknown): string | undefined {
  if (typeof token !== 'string')
    throw invalidArgument(where, `token: expected a string, got ${describeValue(token)}`);
  return tokenTag(token);
}

function checkWorkspace(where: string, ws: unknown): string | undefined {
  if (ws === undefined) return undefined;
  if (typeof ws !== 'string' || ws === '' || !ws.isWellFormed() || ws.includes('\0')) {
    throw invalidArgument(
      where,
      `workspaceId: expected a non-empty string without NUL, got ${describeValue(ws)}`,
    );
  }
  return ws;
}

/** `GET`'s one key, at argv index 1. */
const KEY1: readonly number[] = Object.freeze([1]);

/**
 * The adapter's driver under `store` and the whole key prefix of the namespace views on the way,
 * or `undefined` when a layer lies between them.
 */
function bareDriver(store: KvStore): { driver: KvDriver; prefix: string } | undefined {
  let prefix = '';
  let d: KvDriver = store.driver;
  for (; d.inner !== undefined; d = d.inner) {
    if (d.layer !== undefined || d.prefix === undefined) return undefined;
    prefix = d.prefix + prefix;
  }
  return d.layer === undefined ? { driver: d, prefix } : undefined;
}

/**
 * Server-side sessions on any RaptorFlow KV store: a 24 h sliding TTL with a throttled touch
 * and an absolute cap, hashed tokens, a per-user index pruned as it is read, and revocation,
 * one round trip per call on Redis.
 *
 * ```ts
 * const sessions = createSessions({ store });
 * const { token } = await sessions.create('user-1', { data: { role: 'admin' } });
 * const session = await sessions.get(token);
 * ```
 */
export function createSessions<D extends SessionData = SessionData>(
  options: SessionsOptions<D>,
): Sessions<D> {
  const o = parseSessionsOptions(options);
  const { store, ttl, absoluteTtl, touchAfter } = o;
  const schema = o.schema as z.ZodType | undefined;
  const partial = schema ? (schema as unknown as { partial(): z.ZodType }).partial() : undefined;
  const policy = resolvePolicy(store, o.failurePolicy, 'fail-closed');
  if (policy === 'fallback') {
    throw optionError(
      'createSessions',
      'store',
      'its withFailover layer has policy "fallback": sessions in per-process memory log users out at random across instances; use fail-closed (or failurePolicy: "fail-open")',
    );
  }
  const keys = featureKeyspace(store, { feature: FEATURE, prefix: o.prefix });
  const root: KvStore = keys.root;
  const layout = sessionKeyLayout(keys);
  const hub: FeatureHub = featureHub(store);
  const reject = o.fingerprint === 'reject';
  const compare = o.fingerprint !== 'ignore';

  const codec = sessionCodec(o.encryption);

  /** `data` when it was JSON and passes the schema, else `undefined`. */
  function accepted(data: SessionData | undefined): D | undefined {
    return data === undefined || (schema && !schema.safeParse(data).success) ? undefined : (data as D);
  }

  /** The record's data, or `undefined` (not JSON, fails the schema); rejects with `E_CODEC` when encrypted data cannot be opened. */
  async function openRecord(r: SessionRecord): Promise<D | undefined> {
    return accepted(codec === undefined ? decodeData(r.data) : await openData(codec, r.data));
  }

  function toInfo(id: string, r: SessionRecord, data: D): SessionInfo<D> {
    return {
      id,
      userId: r.userId,
      workspaceId: r.workspaceId,
      data,
      createdAt: r.createdAt,
      touchedAt: r.touchedAt,
      expiresAt: r.expiresAt,
      absoluteExpiresAt: r.absoluteExpiresAt,
    };
  }

  /**
   * The end of every `get` that found a live session it may show: open the data, compare the
   * fingerprint, report. Synchronous without encryption: no promise on the common path.
   */
  function finish(
    started: number,
    id: string,
    r: SessionRecord,
    touched: boolean,
    fp: string,
  ): Session<D> | null | Promise<Session<D> | null> {
    if (codec === undefined) return shown(started, id, r, touched, fp, decodeData(r.data));
    return openData(codec, r.data).then(
      (data) => shown(started, id, r, touched, fp, data),
      (error: unknown) => {
        // Encrypted data that does not open (a wrong or unknown key, tampering): no session.
        emitOperation(hub, 'get', started, 'invalid', error, r.workspaceId);
        return null;
      },
    );
  }

  function shown(
    started: number,
    id: string,
    r: SessionRecord,
    touched: boolean,
    fp: string,
    opened: SessionData | undefined,
  ): Session<D> | null {
    const data = accepted(opened);
    if (data === undefined) {
      emitOperation(hub, 'get', started, 'invalid', undefined, r.workspaceId);
      return null;
    }
    const mismatch = compare && fp !== '' && r.fingerprint !== undefined && r.fingerprint !== fp;
    if (started >= 0) {
      emitOperation(hub, 'get', started, mismatch ? 'flagged' : 'hit', undefined, r.workspaceId, {
        touched,
      });
    }
    // One literal in `toInfo`'s field order: no second object, no shape change after creation.
    return {
      id,
      userId: r.userId,
      workspaceId: r.workspaceId,
      data,
      createdAt: r.createdAt,
      touchedAt: r.touchedAt,
      expiresAt: r.expiresAt,
      absoluteExpiresAt: r.absoluteExpiresAt,
      touched,
      fingerprintMismatch: mismatch,
    };
  }

  /** The members to store: sealed when encryption is on. */
  function seal(members: string[]): string[] | Promise<string[]> {
    return codec === undefined || members.length === 0 ? members : sealMembers(codec, members);
  }

  const touchAfterText = String(touchAfter);
  // `get` answers with a plain GET when no touch can be due (see `plain-get.ts`): on stores
  // shared between processes only (memory's clock may be a test's fake one, and a script there
  // costs no round trip), never with `touchAfter: 0` (every read touches), and never through an
  // L1 layer (it could serve a record another process has since destroyed; scripts bypass it).
  const plain =
    root.capabilities.shared && touchAfter > 0 && findLayer(root, 'l1') === undefined
      ? plainGet(touchAfter)
      : undefined;

  // The plain GET goes straight to the adapter's driver (under its close guard) when only
  // namespace views lie between it and `root`: the same command the view's `get` would send,
  // without the view's argument copy and its extra promise. Any layer (instrument, failover)
  // keeps the whole path through the store.
  const direct = plain === undefined ? undefined : bareDriver(root);

  async function run<T>(
    op: SessionOperation,
    tenant: string | undefined,
    body: () => Promise<[T, string] | [T, string, Readonly<Record<string, unknown>>]>,
  ): Promise<T> {
    const started = operationStart(hub);
    try {
      const [value, outcome, detail] = await body();
      emitOperation(hub, op, started, outcome, undefined, tenant, detail);
      return value;
    } catch (error) {
      emitOperation(hub, op, started, 'error', error, tenant);
      throw error;
    }
  }

  const sessions: Sessions<D> = {
    ttl,
    create(userId, opts = {}) {
      return run('create', opts.workspaceId, async () => {
        checkUser('create', userId);
        const ws = checkWorkspace('create', opts.workspaceId);
        const data = validate<D>('create', schema, opts.data ?? {});
        const set = await seal(encodeData('create', data).set);
        const tag = layout.tag(userId);
        const token = newToken(tag);
        const { id, record } = layout.session(tag, token);
        const args = encodeCreateArgs(
          id,
          userId,
          layout.userHash(userId),
          ws ?? '',
          ttl,
          absoluteTtl,
          fingerprintHash(opts.fingerprint),
          dataText(set),
        );
        const sent = Date.now();
        const reply = await root.eval(CREATE, [record, layout.indexPrefix(tag)], args);
        if (plain !== undefined) {
          // The process that creates a session usually reads it next: its first `get` can be a GET.
          plain.learn(reply.now, sent);
          plain.remember(id, {
            touchedAt: reply.now,
            expiresAt: reply.expiresAt,
            absoluteExpiresAt: reply.now + absoluteTtl,
            idleMs: ttl,
          });
        }
        return [{ token, id, expiresAt: reply.expiresAt }, 'ok'];
      });
    },

    async get(token, opts) {
      if (typeof token !== 'string')
        throw invalidArgument('get', `token: expected a string, got ${describeValue(token)}`);
      const slot = tokenSlot(token);
      const ws = opts ? checkWorkspace('get', opts.workspaceId) : undefined;
      const started = operationStart(hub);
      if (slot < 0) {
        emitOperation(hub, 'get', started, 'miss', undefined, ws);
        return null;
      }
      const fp = compare && opts?.fingerprint ? fingerprintHash(opts.fingerprint) : '';
      const id = tokenHash(token);
      const checkFp = reject ? fp : '';
      if (plain !== undefined) {
        const local = Date.now();
        const hint = plain.hint(id, local);
        if (hint !== undefined && local + plain.offset + plain.margin < hint) {
          let text: string | null | undefined;
          try {
            text =
              direct === undefined
                ? await root.get(layout.recordPrefixAt(slot) + id)
                : asNullableString(
                    await direct.driver.command({
                      argv: ['GET', direct.prefix + layout.recordPrefixAt(slot) + id],
                      keys: KEY1,
                      readonly: true,
                    }),
                  );
          } catch (error) {
            // A format-1 record (a hash): the script converts it.
            if ((error as { code?: unknown }).code !== 'E_WRONG_TYPE') {
              emitOperation(hub, 'get', started, 'error', error, ws);
              if (policy === 'fail-open' && isStoreFailure(error)) return null;
              throw error;
            }
          }
          if (text === null) {
            plain.forget(id);
            emitOperation(hub, 'get', started, 'miss', undefined, ws);
            return null;
          }
          const r = text === undefined ? undefined : plain.read(id, text, Date.now(), hint);
          if (r !== undefined) {
            // The script's refusals, in its order, with its outcomes (nothing was written).
            if (ws !== undefined && ws !== r.workspaceId) {
              emitOperation(hub, 'get', started, 'miss', undefined, ws);
              return null;
            }
            if (checkFp !== '' && r.fingerprint !== undefined && r.fingerprint !== checkFp) {
              emitOperation(hub, 'get', started, 'rejected', undefined, ws);
              return null;
            }
            return finish(started, id, r, false, fp);
          }
          // A touch is due (or close to it), or the record is not one GET can answer: the script decides.
        }
      }
      const record = layout.recordPrefixAt(slot) + id;
      let reply: Awaited<ReturnType<typeof GET.parse>>;
      const sent = Date.now();
      try {
        const args =
          checkFp === '' && ws === undefined
            ? [touchAfterText]
            : [touchAfterText, checkFp, ws === undefined ? '' : `=${ws}`];
        reply = await root.eval(GET, [record], args);
      } catch (error) {
        emitOperation(hub, 'get', started, 'error', error, ws);
        if (policy === 'fail-open' && isStoreFailure(error)) return null;
        throw error;
      }
      if (reply === null) {
        plain?.forget(id);
        emitOperation(hub, 'get', started, 'miss', undefined, ws);
        return null;
      }
      plain?.learn(reply.now, sent);
      if (reply.status !== 'ok') {
        emitOperation(
          hub,
          'get',
          started,
          reply.status === 'fingerprint' ? 'rejected' : 'miss',
          undefined,
          ws,
        );
        return null;
      }
      plain?.remember(id, reply.record);
      return finish(started, id, reply.record, reply.touched, fp);
    },

    update(token, patch) {
      return run('update', undefined, async () => {
        const tag = checkToken('update', token);
        const checked = validate<Partial<D>>('update', partial, patch);
        const { set, remove } = encodeData('update', checked);
        for (const name of Object.keys(patch as object)) {
          const gone = `${JSON.stringify(name)}:`;
          if ((patch as Record<string, unknown>)[name] === undefined && !remove.includes(gone))
            remove.push(gone);
        }
        if (tag === undefined) return [false, 'miss'];
        if (set.length === 0 && remove.length === 0) return [true, 'ok'];
        const sealed = await seal(set);
        const { record } = layout.session(tag, token);
        const ok = await root.eval(UPDATE, [record], encodeUpdateArgs(sealed, remove));
        return [ok, ok ? 'ok' : 'miss'];
      });
    },

    extend(token, extra) {
      return run('extend', undefined, async () => {
        const tag = checkToken('extend', token);
        const ms = parseDuration(extra, 'extend: ttl');
        if (tag === undefined) return [null, 'miss'];
        const { id, record } = layout.session(tag, token);
        const reply = await root.eval(EXTEND, [record, layout.indexPrefix(tag)], [id, String(ms)]);
        return reply === null ? [null, 'miss'] : [reply.expiresAt, 'ok'];
      });
    },

    destroy(token) {
      return run('destroy', undefined, async () => {
        const tag = checkToken('destroy', token);
        if (tag === undefined) return [false, 'miss'];
        const { id, record } = layout.session(tag, token);
        const ok = await root.eval(DESTROY, [record, layout.indexPrefix(tag)], [id]);
        return [ok, ok ? 'ok' : 'miss'];
      });
    },

    rotate(token) {
      return run('rotate', undefined, async () => {
        const tag = checkToken('rotate', token);
        if (tag === undefined) return [null, 'miss'];
        const { id, record } = layout.session(tag, token);
        const next = newToken(tag);
        const fresh = layout.session(tag, next);
        const reply = await root.eval(
          ROTATE,
          [record, fresh.record, layout.indexPrefix(tag)],
          [id, fresh.id],
        );
        if (reply === null) return [null, 'miss'];
        return [{ token: next, id: fresh.id, expiresAt: reply.expiresAt }, 'ok'];
      });
    },

    list(userId) {
      return run('list', undefined, async () => {
        checkUser('list', userId);
        const tag = layout.tag(userId);
        const reply = await root.eval(LIST, [layout.index(userId), layout.recordPrefix(tag)], []);
        const out: SessionInfo<D>[] = [];
        for (const s of reply.sessions) {
          // A session whose data does not read (schema, encryption) is left out, as `get` misses it.
          const data = await openRecord(s.record).catch(() => undefined);
          if (data !== undefined) out.push(toInfo(s.id, s.record, data));
        }
        return [out, 'ok'];
      });
    },

    revoke(userId, id) {
      return run('destroy', undefined, async () => {
        checkUser('revoke', userId);
        if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) {
          throw invalidArgument(
            'revoke',
            `id: expected a session id (64 hex digits), got ${describeValue(id)}`,
          );
        }
        const tag = layout.tag(userId);
        const ok = await root.eval(DESTROY, [layout.record(tag, id), layout.indexPrefix(tag)], [id]);
        return [ok, ok ? 'ok' : 'miss'];
      });
    },

    revokeAll(userId, opts = {}) {
      return run('revokeAll', undefined, async () => {
        checkUser('revokeAll', userId);
        const tag = layout.tag(userId);
        let except = '';
        if (opts.except !== undefined) {
          const exceptTag = checkToken('revokeAll', opts.except);
          if (exceptTag === tag) except = layout.session(tag, opts.except).id;
        }
        const n = await root.eval(REVOKE_ALL, [layout.index(userId), layout.recordPrefix(tag)], [except]);
        // How many sessions ended: metrics counts revocations from it.
        return [n, 'ok', { revoked: n }];
      });
    },

    countActive() {
      return run('countActive', undefined, async () => {
        // Live means expiry > now, as `get` reads it: ZCOUNT (now, +inf] on every tag's set.
        const now = Math.floor(await root.time());
        let n = 0;
        for (let i = 0; i < TAGS.length; i += ACTIVE_COUNT_CHUNK) {
          const b = root.batch();
          for (let j = i; j < i + ACTIVE_COUNT_CHUNK; j++)
            b.zcount(layout.active(TAGS[j] as string), { exclusive: now }, Number.POSITIVE_INFINITY);
          for (const c of (await b.exec()) as number[]) n += c;
        }
        return [n, 'ok', { active: n }];
      });
    },
  };

  return sessions;
}
