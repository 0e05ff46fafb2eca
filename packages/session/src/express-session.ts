import { KvError, type KvStore } from '@raptorflow/core';
import type { AsyncCodec, EncryptionOptions } from '@raptorflow/core/codecs';
import {
  type Duration,
  durationSchema,
  featureKeyspace,
  parseOptions,
  requireStore,
} from '@raptorflow/core/kit';
import type { SessionData } from 'express-session';
import { Store } from 'express-session';
import { z } from 'zod';
import { emitOperation, type FeatureHub, featureHub, operationStart } from './events.js';
import { encryptionSchema, sessionCodec } from './options.js';
import { ES_SCAN } from './scripts/es-scan.js';
import { ES_WRITE } from './scripts/es-write.js';
import { tokenHash } from './token.js';

/** Options of {@link RaptorflowStore}. */
export interface RaptorflowStoreOptions {
  /** The store: any RaptorFlow KV store (memory, ioredis standalone or Cluster, Upstash). */
  store: KvStore;
  /** The TTL of a session whose cookie has no expiry (express-session's default cookie). @default '1d' */
  ttl?: Duration | undefined;
  /** Do not re-arm the TTL on `touch` (express-session then only writes on change). @default false */
  disableTouch?: boolean | undefined;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:session:es:' */
  prefix?: string | undefined;
  /**
   * Encrypt each session at rest, as `createSessions` does: `{ current, keys }` as core's
   * `encryptedCodec` takes them (AES-GCM, keys rotate), or a ready codec of strings. The whole
   * session is sealed with its (hashed) id, so a value copied to another sid does not open. A
   * value that does not open (a wrong or unknown key, tampering, plaintext) reads as no session
   * (`get` gives `null`, `all` leaves it out), reported as a `get` with outcome `invalid` and
   * error `E_CODEC`.
   */
  encryption?: EncryptionOptions | AsyncCodec<string> | undefined;
}

interface Resolved {
  readonly store: KvStore;
  readonly ttl: number;
  readonly disableTouch: boolean;
  readonly prefix?: string | undefined;
  readonly encryption?: EncryptionOptions | AsyncCodec<string> | undefined;
}

const SCHEMA: z.ZodType<Resolved, RaptorflowStoreOptions> = z.strictObject({
  store: z.custom<KvStore>(() => true),
  ttl: durationSchema().default(86_400_000),
  disableTouch: z.boolean().default(false),
  prefix: z.string().optional(),
  encryption: encryptionSchema(),
});

type Callback<T> = ((err: unknown, value?: T) => void) | undefined;

function settle<T>(promise: Promise<T>, cb: Callback<T>): Promise<T> {
  if (cb)
    promise.then(
      (v) => cb(null, v),
      (e: unknown) => cb(e),
    );
  return promise;
}

// All of this store's keys carry one hash tag: the index and the sessions it lists share a slot,
// so `all`, `length` and `clear` are one script each (on a Cluster, one slot holds them all).
const TAG = '{es}';

/**
 * A drop-in `express-session` store on any RaptorFlow KV store: ioredis (standalone or Cluster),
 * Upstash and memory, where connect-redis 9 takes node-redis only. The sid is stored hashed
 * (SHA-256), so a key dump hands out no session. `get` is one GET; `set` and `touch` one script
 * each (a touch never re-creates an expired session); `all`, `ids`, `length` and `clear` read an
 * index pruned as it is read, never a SCAN. Methods take express-session's callbacks and also
 * return promises.
 *
 * `ids()` returns the hashed ids (SHA-256 of each sid, hex): the store does not have the sids.
 * `all()` returns the sessions with `id` set to that hash.
 *
 * ```ts
 * app.use(session({ store: new RaptorflowStore({ store }), secret, resave: false, saveUninitialized: false }));
 * ```
 */
export class RaptorflowStore extends Store {
  readonly #root: KvStore;
  readonly #ttl: number;
  readonly #disableTouch: boolean;
  readonly #codec: AsyncCodec<string> | undefined;
  readonly #hub: FeatureHub;

  constructor(options: RaptorflowStoreOptions) {
    super();
    if (typeof options === 'object' && options !== null) requireStore('RaptorflowStore', options.store);
    const o = parseOptions('RaptorflowStore', SCHEMA, options);
    this.#root = featureKeyspace(o.store, { feature: 'session', prefix: o.prefix ?? 'rf:session:es:' }).root;
    this.#ttl = o.ttl;
    this.#disableTouch = o.disableTouch;
    this.#codec = sessionCodec(o.encryption, 'RaptorflowStore');
    this.#hub = featureHub(o.store);
  }

  /** The stored text of a session: its JSON, sealed with its id when encryption is on. */
  #seal(id: string, sess: SessionData): string | Promise<string> {
    const json = JSON.stringify(sess);
    return this.#codec === undefined ? json : this.#codec.encode(`${id}:${json}`);
  }

  /** The session of a stored text, or `null` when sealed text does not open (reported). */
  #open(id: string, stored: string): SessionData | null | Promise<SessionData | null> {
    if (this.#codec === undefined) return JSON.parse(stored) as SessionData;
    const started = operationStart(this.#hub);
    return this.#codec
      .decode(stored)
      .then((plain) => {
        if (!plain.startsWith(`${id}:`))
          throw new KvError('E_CODEC', 'session: the sealed value belongs to another id');
        return JSON.parse(plain.slice(id.length + 1)) as SessionData;
      })
      .catch((error: unknown) => {
        emitOperation(this.#hub, 'get', started, 'invalid', error);
        return null;
      });
  }

  #key(sid: string): { id: string; key: string } {
    const id = tokenHash(String(sid));
    return { id, key: `${TAG}:s:${id}` };
  }

  #ttlOf(sess: SessionData): number {
    const expires = sess?.cookie?.expires;
    if (expires) return new Date(expires).getTime() - Date.now();
    return this.#ttl;
  }

  get(sid: string, cb?: Callback<SessionData | null>): Promise<SessionData | null> {
    const { id, key } = this.#key(sid);
    return settle(
      this.#root.get(key).then((stored) => (stored === null ? null : this.#open(id, stored))),
      cb,
    );
  }

  set(sid: string, sess: SessionData, cb?: Callback<void>): Promise<void> {
    const { id, key } = this.#key(sid);
    const ttl = String(this.#ttlOf(sess));
    const value = this.#seal(id, sess);
    const write =
      typeof value === 'string'
        ? this.#root.eval(ES_WRITE, [key, `${TAG}:index`], ['set', id, ttl, value])
        : value.then((sealed) => this.#root.eval(ES_WRITE, [key, `${TAG}:index`], ['set', id, ttl, sealed]));
    return settle(
      write.then(() => undefined),
      cb,
    );
  }

  override touch(sid: string, sess: SessionData, cb?: Callback<void>): Promise<void> {
    if (this.#disableTouch) return settle(Promise.resolve(), cb);
    const { id, key } = this.#key(sid);
    const write = this.#root.eval(ES_WRITE, [key, `${TAG}:index`], ['touch', id, String(this.#ttlOf(sess))]);
    return settle(
      write.then(() => undefined),
      cb,
    );
  }

  destroy(sid: string, cb?: Callback<void>): Promise<void> {
    const { id, key } = this.#key(sid);
    const done = this.#root.eval(ES_WRITE, [key, `${TAG}:index`], ['set', id, '0', '']);
    return settle(
      done.then(() => undefined),
      cb,
    );
  }

  /** The live sessions, each with `id` = SHA-256 of its sid (hex). */
  override all(cb?: Callback<SessionData[]>): Promise<SessionData[]> {
    const run = this.#root.eval(ES_SCAN, [`${TAG}:index`, `${TAG}:s:`], ['all']).then(async (r) => {
      const out: SessionData[] = [];
      for (let i = 0; i + 1 < r.length; i += 2) {
        const id = String(r[i]);
        // A session that does not open is left out, as `get` misses it.
        const sess = await this.#open(id, String(r[i + 1]));
        if (sess !== null) out.push({ ...sess, id } as SessionData);
      }
      return out;
    });
    return settle(run, cb);
  }

  /** The live sessions' ids: SHA-256 of each sid, hex (the store keeps no sid). */
  ids(cb?: Callback<string[]>): Promise<string[]> {
    const run = this.#root.eval(ES_SCAN, [`${TAG}:index`, `${TAG}:s:`], ['ids']).then((r) => r.map(String));
    return settle(run, cb);
  }

  override length(cb?: Callback<number>): Promise<number> {
    return settle(
      this.ids().then((ids) => ids.length),
      cb,
    );
  }

  override clear(cb?: Callback<void>): Promise<void> {
    const run = this.#root.eval(ES_SCAN, [`${TAG}:index`, `${TAG}:s:`], ['clear']).then(() => undefined);
    return settle(run, cb);
  }
}
