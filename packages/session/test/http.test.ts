import type { AddressInfo } from 'node:net';
import type { KvStore } from '@raptorflow/core';
import { memoryAdapter } from '@raptorflow/core';
import { randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSessions,
  requestSession,
  type Sessions,
  sessionErrorHandler,
  sessionMiddleware,
  withSessions,
} from '../src/index.js';

/* The middlewares under real express over real HTTP on loopback, and the Fetch one on real Requests. */

function app(sessions: Sessions, csrf = true) {
  const a = express();
  a.use(express.json());
  a.use(sessionMiddleware(sessions, { csrf }));
  a.post('/login', async (req, res, next) => {
    try {
      const ctx = requestSession(req);
      await ctx?.create(String(req.body.user), { data: { role: 'member' } });
      res.json({ ok: true });
    } catch (error) {
      next(error);
    }
  });
  a.get('/me', (req, res) => {
    const s = requestSession(req)?.session;
    if (!s) res.status(401).json(null);
    else res.json({ user: s.userId, data: s.data });
  });
  a.post('/rotate', async (req, res) => {
    res.json({ rotated: (await requestSession(req)?.rotate()) !== null });
  });
  a.post('/logout', async (req, res) => {
    res.json({ ended: await requestSession(req)?.destroy() });
  });
  a.use(sessionErrorHandler());
  return a;
}

async function listen(a: ReturnType<typeof express>) {
  const server = a.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, close: () => server.close() };
}

/** Wait until the store's clock has moved on by a millisecond: a touch then has time to add. */
async function tick(store: KvStore): Promise<void> {
  const t0 = Math.floor(await store.time());
  await until(async () => Math.floor(await store.time()) > t0);
}

const cookieOf = (res: Response) => res.headers.getSetCookie();
const value = (setCookie: string) => setCookie.split(';')[0] as string;

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('express middleware on $name', ({ create }) => {
  let store: KvStore;
  let srv: Awaited<ReturnType<typeof listen>>;
  let eager: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
    srv = await listen(app(createSessions({ store })));
    eager = await listen(app(createSessions({ store, touchAfter: 0 })));
  });
  afterAll(() => {
    srv.close();
    eager.close();
  });

  it('sign-in sets a Secure, HttpOnly, SameSite=Lax, Path=/ cookie that expires with the session', async () => {
    const res = await fetch(`${srv.base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: srv.base },
      body: JSON.stringify({ user: 'alice' }),
    });
    expect(res.status).toBe(200);
    const [set] = cookieOf(res);
    expect(set).toMatch(/^rf_session=rf1\.[0-9a-f]{3}\.[A-Za-z0-9_-]{43}; /);
    expect(set).toContain('Path=/');
    expect(set).toContain('HttpOnly');
    expect(set).toContain('Secure');
    expect(set).toContain('SameSite=Lax');
    const expires = Date.parse(/Expires=([^;]+)/.exec(set as string)?.[1] as string);
    // The cookie's expiry is the session's (24 h), to the second.
    const me = await fetch(`${srv.base}/me`, { headers: { cookie: value(set as string) } });
    expect(await me.json()).toEqual({ user: 'alice', data: { role: 'member' } });
    // Within the touch throttle: no Set-Cookie, no write.
    expect(cookieOf(me)).toEqual([]);
    expect(Math.abs(expires - (Date.now() + 86_400_000))).toBeLessThan(120_000);
  });

  it('a touch re-sends the cookie with the slid expiry; sign-out clears it and the token is dead', async () => {
    const login = await fetch(`${eager.base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ user: 'bob' }),
    });
    const sid = value(cookieOf(login)[0] as string);
    await tick(store);
    const me = await fetch(`${eager.base}/me`, { headers: { cookie: sid } });
    expect(me.status).toBe(200);
    const [touched] = cookieOf(me);
    expect(value(touched as string)).toBe(sid);
    expect(touched).toMatch(/Expires=/);
    const out = await fetch(`${eager.base}/logout`, {
      method: 'POST',
      headers: { cookie: sid, origin: eager.base },
    });
    expect(await out.json()).toEqual({ ended: true });
    expect(cookieOf(out)[0]).toMatch(/^rf_session=; Max-Age=0/);
    const after = await fetch(`${eager.base}/me`, { headers: { cookie: sid } });
    expect(after.status).toBe(401);
    // A dead cookie is cleared.
    expect(cookieOf(after)[0]).toMatch(/^rf_session=; Max-Age=0/);
  });

  it('rotate: a new cookie, and the old token never reads again', async () => {
    const login = await fetch(`${srv.base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: srv.base },
      body: JSON.stringify({ user: 'carol' }),
    });
    const old = value(cookieOf(login)[0] as string);
    const rot = await fetch(`${srv.base}/rotate`, {
      method: 'POST',
      headers: { cookie: old, origin: srv.base },
    });
    const fresh = value(cookieOf(rot)[0] as string);
    expect(fresh).not.toBe(old);
    expect((await fetch(`${srv.base}/me`, { headers: { cookie: old } })).status).toBe(401);
    expect((await fetch(`${srv.base}/me`, { headers: { cookie: fresh } })).status).toBe(200);
  });

  it('CSRF guard: a state-changing request from another site is 403 and reaches no handler', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${srv.base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ user: 'mallory' }),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })).status).toBe(403);
    expect(await createSessions({ store }).list('mallory')).toEqual([]);
    expect((await post({ origin: srv.base })).status).toBe(200);
  });
});

describe('store failure is 503', () => {
  it('express: on read and inside a handler', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const sessions = createSessions({ store });
    const { token } = await sessions.create('dave');
    const srv = await listen(app(sessions, false));
    try {
      await store.close();
      const me = await fetch(`${srv.base}/me`, { headers: { cookie: `rf_session=${token}` } });
      expect(me.status).toBe(503);
      const login = await fetch(`${srv.base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'erin' }),
      });
      expect(login.status).toBe(503);
    } finally {
      srv.close();
    }
  });
});

describe('Fetch-API middleware', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());
  const sessions = createSessions({ store, touchAfter: 0 });
  const handler = withSessions(
    sessions,
    async (request, ctx) => {
      const url = new URL(request.url);
      if (url.pathname === '/login') {
        await ctx.create('frank', { data: { plan: 'pro' } });
        return Response.redirect('https://app.example/home', 302);
      }
      if (url.pathname === '/logout') {
        await ctx.destroy();
        return new Response('bye');
      }
      return ctx.session ? Response.json(ctx.session.data) : new Response(null, { status: 401 });
    },
    { csrf: true },
  );

  it('sets, reads, slides and clears the cookie; 403 cross-site; 503 on a store failure', async () => {
    const login = await handler(
      new Request('https://app.example/login', {
        method: 'POST',
        headers: { origin: 'https://app.example' },
      }),
    );
    expect(login.status).toBe(302);
    const [set] = login.headers.getSetCookie();
    expect(set).toMatch(/HttpOnly/);
    const sid = value(set as string);
    await tick(store);
    const me = await handler(new Request('https://app.example/me', { headers: { cookie: sid } }));
    expect(await me.json()).toEqual({ plan: 'pro' });
    expect(me.headers.getSetCookie()[0]).toMatch(/Expires=/);
    const cross = await handler(
      new Request('https://app.example/logout', {
        method: 'POST',
        headers: { cookie: sid, origin: 'https://evil.example' },
      }),
    );
    expect(cross.status).toBe(403);
    const out = await handler(
      new Request('https://app.example/logout', {
        method: 'POST',
        headers: { cookie: sid, 'sec-fetch-site': 'same-origin' },
      }),
    );
    expect(out.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect((await handler(new Request('https://app.example/me', { headers: { cookie: sid } }))).status).toBe(
      401,
    );

    const broken = memoryAdapter({ sweepIntervalMs: 0 });
    const down = createSessions({ store: broken });
    const { token } = await down.create('gina');
    await broken.close();
    const failed = await withSessions(
      down,
      () => new Response('unreachable'),
    )(new Request('https://app.example/me', { headers: { cookie: `rf_session=${token}` } }));
    expect(failed.status).toBe(503);
  });
});
