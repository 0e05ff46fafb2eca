import type { AddressInfo } from 'node:net';
import type { KvStore } from '@raptorflow/core';
import { randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaptorflowStore } from '../src/express-session.js';
import { tokenHash } from '../src/token.js';

declare module 'express-session' {
  interface SessionData {
    views?: number;
    user?: string;
  }
}

/* The drop-in store under the real express-session, over real HTTP on loopback. */
describe.each(storeMatrix({ only: ['memory', 'ioredis', 'upstash'] }))(
  'express-session store on $name',
  ({ create }) => {
    let store: KvStore;
    let kv: RaptorflowStore;
    let base = '';
    let close = () => {};
    beforeAll(async () => {
      store = (await create()).namespace(randomPrefix());
      kv = new RaptorflowStore({ store });
      const app = express();
      app.use(
        session({
          store: kv,
          secret: 'test secret',
          resave: false,
          saveUninitialized: false,
          rolling: false,
          cookie: { maxAge: 60_000 },
        }),
      );
      app.get('/view', (req, res) => {
        req.session.views = (req.session.views ?? 0) + 1;
        res.json({ views: req.session.views, id: req.sessionID });
      });
      app.get('/peek', (req, res) => res.json({ views: req.session.views ?? null }));
      app.post('/logout', (req, res, next) =>
        req.session.destroy((err) => (err ? next(err) : res.json({ ok: true }))),
      );
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => server.close();
    });
    afterAll(() => close());

    it('keeps a session across requests, with the sid stored only hashed', async () => {
      const first = await fetch(`${base}/view`);
      const { id } = (await first.json()) as { id: string };
      const cookie = (first.headers.getSetCookie()[0] as string).split(';')[0] as string;
      const second = await fetch(`${base}/view`, { headers: { cookie } });
      expect(await second.json()).toMatchObject({ views: 2, id });
      expect(await kv.ids()).toEqual([tokenHash(id)]);
      for await (const key of store.scan()) expect(key).not.toContain(id);
      const all = await kv.all();
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ views: 2, id: tokenHash(id) });
      expect(await kv.length()).toBe(1);
      // The callback forms express-session uses.
      const viaCallback = await new Promise((resolve, reject) =>
        kv.get(id, (err, sess) => (err ? reject(err) : resolve(sess))),
      );
      expect(viaCallback).toMatchObject({ views: 2 });
      // Its TTL follows the cookie (maxAge 60 s).
      const key = `rf:session:es:{es}:s:${tokenHash(id)}`;
      const pttl = await store.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);

      const out = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie } });
      expect(out.status).toBe(200);
      expect(await (await fetch(`${base}/peek`, { headers: { cookie } })).json()).toEqual({ views: null });
      expect(await kv.length()).toBe(0);
    });

    it('touch never re-creates an expired session; clear empties the store', async () => {
      // sid-2 first, and 2 s for sid-1: the length check must not race a busy machine's clock.
      await kv.set('sid-2', { cookie: { originalMaxAge: null } } as never);
      await kv.set('sid-1', {
        cookie: { originalMaxAge: 2_000, expires: new Date(Date.now() + 2_000) },
      } as never);
      expect(await kv.length()).toBe(2);
      await until(async () => (await kv.get('sid-1')) === null);
      await kv.touch('sid-1', {
        cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) },
      } as never);
      expect(await kv.get('sid-1')).toBeNull();
      expect(await kv.ids()).toEqual([tokenHash('sid-2')]);
      await kv.clear();
      expect(await kv.length()).toBe(0);
      expect(await kv.get('sid-2')).toBeNull();
    });
  },
);

describe('options', () => {
  it('names the bad field in E_INVALID_OPTIONS', () => {
    expect(() => new RaptorflowStore({} as never)).toThrowError(
      expect.objectContaining({
        code: 'E_INVALID_OPTIONS',
        message: expect.stringContaining('RaptorflowStore: store:'),
      }),
    );
  });
});
