import type { KvStore } from '@raptorflow/core';
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
}

interface Resolved {
  readonly store: KvStore;
  readonly ttl: number;
  readonly disableTouch: boolean;
  readonly prefix?: string | undefined;
}

const SCHEMA: z.ZodType<Resolved, RaptorflowStoreOptions> = z.strictObject({
  store: z.custom<KvStore>(() => true),
  ttl: durationSchema().default(86_400_000),
  disableTouch: z.boolean().default(false),
  prefix: z.string().optional(),
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

  constructor(options: RaptorflowStoreOptions) {
    super();
    if (typeof options === 'object' && options !== null) requireStore('RaptorflowStore', options.store);
    const o = parseOptions('RaptorflowStore', SCHEMA, options);
    this.#root = featureKeyspace(o.store, { feature: 'session', prefix: o.prefix ?? 'rf:session:es:' }).root;
    this.#ttl = o.ttl;
    this.#disableTouch = o.disableTouch;
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
    return settle(
      this.#root
        .get(this.#key(sid).key)
        .then((json) => (json === null ? null : (JSON.parse(json) as SessionData))),
      cb,
    );
  }

  set(sid: string, sess: SessionData, cb?: Callback<void>): Promise<void> {
    const { id, key } = this.#key(sid);
    const write = this.#root.eval(
      ES_WRITE,
      [key, `${TAG}:index`],
      ['set', id, String(this.#ttlOf(sess)), JSON.stringify(sess)],
    );
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
    const run = this.#root.eval(ES_SCAN, [`${TAG}:index`, `${TAG}:s:`], ['all']).then((r) => {
      const out: SessionData[] = [];
      for (let i = 0; i + 1 < r.length; i += 2)
        out.push({ ...JSON.parse(String(r[i + 1])), id: String(r[i]) });
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
