import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { featureEvents } from '@raptorflow/core/kit';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The SSE reader of realtime's own tests: one parser of text/event-stream for both suites.
import { readEvents } from '../../../packages/realtime/test/sse-reader.js';
import { COOKIE, MAX_BODY_BYTES } from '../src/app.js';
import type { LiveEvent } from '../src/features.js';
import { type Client, client, keysOf } from './helpers.js';

// The demo over memory and a real redis-server (testkit's global setup), in-process requests.
describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('demo on $name', ({ create }) => {
  let store: KvStore;
  let c: Client;
  let ada: string;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
    c = await client(store);
    ada = await c.signIn('ada', 'acme');
  });
  afterAll(() => c.demo.close());

  describe('sessions', () => {
    it('signs in with an HttpOnly cookie and reads the session back', async () => {
      const r = await c.request('POST', '/auth/sign-in', { body: { user: 'bob', workspace: 'acme' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=rf1\\.[^;]+;.*HttpOnly`, 'i'));
      expect(r.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
      const me = await c.request('GET', '/api/v1/me', { cookie: r.cookie });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user: 'bob', workspace: 'acme', session: r.body.session });
    });

    it('rotates the token at sign-in: the old one is dead at once', async () => {
      const first = await c.signIn('carol', 'acme');
      const second = await c.signIn('carol', 'acme', first);
      expect(second).not.toBe(first);
      expect((await c.request('GET', '/api/v1/me', { cookie: first })).status).toBe(401);
      expect((await c.request('GET', '/api/v1/me', { cookie: second })).status).toBe(200);
      expect((await c.request('GET', '/api/v1/me', { cookie: second })).body.sessions).toBe(1);
    });

    it('signs out, and signs out everywhere', async () => {
      const one = await c.signIn('dave', 'acme');
      const out = await c.request('POST', '/auth/sign-out', { cookie: one });
      expect(out.body).toEqual({ signedOut: true });
      expect(out.cookie).toBe('');
      expect((await c.request('GET', '/api/v1/me', { cookie: one })).status).toBe(401);

      const laptop = await c.signIn('erin', 'acme');
      const phone = await c.signIn('erin', 'acme');
      expect((await c.request('GET', '/api/v1/me', { cookie: phone })).body.sessions).toBe(2);
      const all = await c.request('POST', '/auth/sign-out-everywhere', { cookie: phone });
      expect(all.body).toEqual({ revoked: 2 });
      for (const cookie of [laptop, phone]) {
        expect((await c.request('GET', '/api/v1/me', { cookie })).status).toBe(401);
      }
    });

    it('refuses forged and revoked cookies with a 401 and clears them', async () => {
      for (const cookie of [
        `${COOKIE}=forged`,
        `${COOKIE}=rf1.abc.${'A'.repeat(43)}`,
        `${COOKIE}=${'x'.repeat(5000)}`,
      ]) {
        const r = await c.request('GET', '/api/v1/workspaces/acme/pages/home', { cookie });
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('E_UNAUTHENTICATED');
        expect(r.cookie).toBe('');
      }
      const revoked = await c.signIn('frank', 'acme');
      await c.request('POST', '/auth/sign-out', { cookie: revoked });
      expect(
        (await c.request('POST', '/api/v1/workspaces/acme/tasks', { cookie: revoked, body: { title: 'x' } }))
          .status,
      ).toBe(401);
    });
  });

  describe('workspace pages through the cache', () => {
    it('renders once, then serves from L2 and L1; a tag invalidation and a clear take effect', async () => {
      const get = () => c.request('GET', '/api/v1/workspaces/acme/pages/campaigns', { cookie: ada });
      const first = await get();
      expect(first.status).toBe(200);
      expect(first.headers.get('x-cache')).toBe('miss');
      const second = await get();
      expect(second.headers.get('x-cache')).toMatch(/^l[12]-hit$/);
      expect(second.body.renderedAt).toBe(first.body.renderedAt);
      const third = await get();
      expect(third.headers.get('x-cache')).toBe('l1-hit');

      expect(
        (await c.request('POST', '/api/v1/workspaces/acme/pages/campaigns/invalidate', { cookie: ada }))
          .status,
      ).toBe(200);
      // Soft invalidation: the old value is stale (served while refreshed) or recomputed.
      expect((await get()).headers.get('x-cache')).toMatch(/^(stale|miss)$/);

      expect((await c.request('POST', '/api/v1/workspaces/acme/cache/clear', { cookie: ada })).body).toEqual({
        cleared: 'acme',
      });
      const after = await get();
      expect(after.headers.get('x-cache')).toBe('miss');
      expect(after.body.renderedAt >= first.body.renderedAt).toBe(true);
    });

    it('keeps workspaces apart: another workspace is 403, an unknown one 404, an unknown page 404', async () => {
      expect((await c.request('GET', '/api/v1/workspaces/globex/pages/home', { cookie: ada })).status).toBe(
        403,
      );
      const unknown = await c.request('GET', '/api/v1/workspaces/nope/pages/home', { cookie: ada });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('E_UNKNOWN_WORKSPACE');
      const page = await c.request('GET', '/api/v1/workspaces/acme/pages/nope', { cookie: ada });
      expect(page.status).toBe(404);
      expect(page.body.error.code).toBe('E_UNKNOWN_PAGE');
    });
  });

  it('rate-limits the API with standard headers and an RFC 9457 429 body, counted in /metrics', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Client['request']>> | undefined;
    for (let i = 0; i < 12; i++) {
      last = await c.request('GET', '/api/v1/quote', { headers: { 'x-api-key': 'key-rl-1' } });
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get('ratelimit-policy')).toBe('"api";q=10;w=10');
        expect(last.headers.get('ratelimit')).toMatch(/^"api";r=9;t=\d+$/);
      }
    }
    expect(statuses).toEqual([...new Array(10).fill(200), 429, 429]);
    expect(last?.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.body.status).toBe(429);
    // Another key has its own budget.
    expect((await c.request('GET', '/api/v1/quote', { headers: { 'x-api-key': 'key-rl-2' } })).status).toBe(
      200,
    );
    const prom = await c.request('GET', '/metrics');
    const denied = prom.text
      .split('\n')
      .filter((l) => l.startsWith('raptorflow_ratelimit_requests_total') && !l.includes('result="allowed"'))
      .map((l) => Number(l.split(' ').at(-1)))
      .reduce((a, b) => a + b, 0);
    expect(denied).toBeGreaterThanOrEqual(2);
  });

  describe('agent tasks', () => {
    it('enqueues, runs with progress on the live channel, completes; a failing task retries then dead-letters', async () => {
      const events: LiveEvent[] = [];
      const finished = new Set<string>();
      let wake: () => void = () => undefined;
      const sub = await c.demo.features.realtime
        .workspace('acme')
        .channel('live', (await import('../src/features.js')).LiveEvent)
        .subscribe(({ data }) => {
          events.push(data);
          if (data.type === 'task' && (data.state === 'completed' || data.state === 'failed'))
            finished.add(data.id);
          wake();
        });
      try {
        const ids: string[] = [];
        for (const body of [
          { title: 'summarize', steps: 3 },
          { title: 'flaky', steps: 2, fail: 'once' },
          { title: 'doomed', steps: 2, fail: 'always' },
        ]) {
          const r = await c.request('POST', '/api/v1/workspaces/acme/tasks', { cookie: ada, body });
          expect(r.status).toBe(202);
          ids.push(r.body.id);
        }
        // Decided by the live events, not a timer (the test's own timeout bounds it).
        while (!ids.every((id) => finished.has(id))) await new Promise<void>((r) => (wake = r));
        const [ok, flaky, doomed] = ids as [string, string, string];
        const progress = events
          .filter((e) => e.type === 'task' && e.id === ok && e.state === 'running')
          .map((e) => (e as { progress: number }).progress);
        expect(progress).toEqual([0, 1 / 3, 2 / 3, 1]);
        expect(events.some((e) => e.type === 'task' && e.id === flaky && e.state === 'retrying')).toBe(true);
        expect(events.some((e) => e.type === 'task' && e.id === flaky && e.state === 'completed')).toBe(true);
        expect(events.some((e) => e.type === 'task' && e.id === doomed && e.state === 'failed')).toBe(true);

        const status = await c.request('GET', `/api/v1/workspaces/acme/tasks/${ok}`, { cookie: ada });
        expect(status.body.result).toEqual({ summary: 'summarize: 3 steps done', deliveries: 1 });
        // Another workspace's member cannot read it by its (guessable) id.
        const bob = await c.signIn('bob', 'globex');
        expect(
          (await c.request('GET', `/api/v1/workspaces/globex/tasks/${ok}`, { cookie: bob })).status,
        ).toBe(404);
        expect(
          (await c.request('GET', `/api/v1/workspaces/acme/tasks/${flaky}`, { cookie: ada })).body.result
            .deliveries,
        ).toBe(2);

        const list = await c.request('GET', '/api/v1/workspaces/acme/tasks', { cookie: ada });
        expect(list.body.dead).toEqual([
          expect.objectContaining({ id: doomed, title: 'doomed', reason: 'failed', deliveries: 2 }),
        ]);
        expect(list.body.dead[0].message).toContain('gave up');
        // The dead-letter view is per workspace, and a retry sends the task back.
        expect(
          (await c.request('POST', `/api/v1/workspaces/acme/tasks/dead/999999/retry`, { cookie: ada }))
            .status,
        ).toBe(404);
        const retried = await c.request('POST', `/api/v1/workspaces/acme/tasks/dead/${doomed}/retry`, {
          cookie: ada,
        });
        expect(retried.body).toEqual({ retried: [doomed] });
      } finally {
        await sub.unsubscribe();
      }
    });

    it('refuses a bad task with a 400 and enqueues nothing', async () => {
      const enqueued: unknown[] = [];
      const off = featureEvents(store).on(
        'operation',
        (e) => e.feature === 'queue' && e.operation === 'enqueue' && enqueued.push(e),
      );
      for (const body of [
        {},
        { title: '' },
        { title: 'x', steps: 0 },
        { title: 'x', steps: 1.5 },
        { title: 'x', fail: 'sometimes' },
        { title: 'x', extra: 1 },
      ]) {
        const r = await c.request('POST', '/api/v1/workspaces/acme/tasks', { cookie: ada, body });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.error.code).toBe('E_INVALID_ARGUMENT');
      }
      off();
      expect(enqueued).toEqual([]);
      expect((await c.request('GET', '/api/v1/workspaces/acme/tasks/abc', { cookie: ada })).status).toBe(400);
    });
  });

  it('runs the report under a lock: fencing tokens rise, a held lock is a 409', async () => {
    const first = await c.request('POST', '/api/v1/workspaces/acme/report', { cookie: ada });
    const second = await c.request('POST', '/api/v1/workspaces/acme/report', { cookie: ada });
    expect(first.status).toBe(200);
    expect(second.body.fence).toBe(first.body.fence + 1);
    expect(second.body.current).toMatchObject({ fence: second.body.fence });
    expect(JSON.parse(second.body.current.value).by).toBe('ada');
    const held = await c.demo.features.locks.acquire('report:acme');
    try {
      const busy = await c.request('POST', '/api/v1/workspaces/acme/report', { cookie: ada });
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('E_LOCK_HELD');
    } finally {
      await held.release();
    }
  });

  it('answers chat through llm-cache: a miss calls the model, an exact repeat saves its price, a paraphrase is a semantic hit', async () => {
    const calls = c.demo.features.model.calls;
    const ask = (message: string) =>
      c.request('POST', '/api/v1/workspaces/acme/chat', { cookie: ada, body: { message } });
    const miss = await ask('How many moons does Mars have?');
    expect(miss.body).toMatchObject({ stage: 'miss', saved: null });
    const hit = await ask('How many moons does Mars have?');
    expect(hit.body.stage).toBe('exact');
    expect(hit.body.answer).toBe(miss.body.answer);
    expect(hit.body.saved.cost).toBeGreaterThan(0);
    expect(c.demo.features.model.calls).toBe(calls + 1);
    // A paraphrase is a semantic hit (llm-cache's offline hashing embedder and its guards).
    await ask('What is the capital of Australia?');
    const paraphrase = await ask("What's the capital city of Australia?");
    expect(paraphrase.body.stage).toBe('semantic');
    expect(paraphrase.body.score).toBeGreaterThan(0.7);
    expect(c.demo.features.model.calls).toBe(calls + 2);
    const usage = await c.request('GET', '/api/v1/workspaces/acme/usage', { cookie: ada });
    expect(usage.body.total.calls).toBeGreaterThanOrEqual(1);
    expect(usage.body.total.savedCost).toBeGreaterThan(0);
  });

  it('streams live updates over SSE with Last-Event-ID replay, and shows who is online', async () => {
    const abort = new AbortController();
    const publish = (page: string) =>
      c.request('POST', `/api/v1/workspaces/globex/pages/${page}/invalidate`, { cookie: bob });
    const bob = await c.signIn('bob', 'globex');
    await publish('home');
    const response = await c.demo.app.request('/api/v1/workspaces/globex/live', {
      headers: { cookie: bob, 'last-event-id': '0' },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const reader = readEvents(response);
    await publish('settings');
    const events = await reader.take(2);
    expect(events.map((e) => [e.id, JSON.parse(e.data)])).toEqual([
      ['1', { type: 'cache', action: 'invalidate', page: 'home' }],
      ['2', { type: 'cache', action: 'invalidate', page: 'settings' }],
    ]);
    const online = await c.request('GET', '/api/v1/workspaces/globex/presence', { cookie: bob });
    expect(online.body.online.map((m: { member: string }) => m.member)).toEqual(['bob']);
    await reader.cancel();
    abort.abort();
    expect(
      (await c.request('GET', '/api/v1/workspaces/globex/presence', { cookie: bob })).body.online,
    ).toEqual([]);
    const bad = await c.demo.app.request('/api/v1/workspaces/globex/live', {
      headers: { cookie: bob, 'last-event-id': 'x1' },
    });
    expect(bad.status).toBe(400);
  });

  it('serves /metrics, health, admin figures, the dashboard and its chart library', async () => {
    const prom = await c.request('GET', '/metrics');
    expect(prom.status).toBe(200);
    expect(prom.text).toContain('raptorflow_feature_operations_total');
    expect(prom.text).toContain('raptorflow_breaker_state');
    // Read at scrape time: the sessions this file's users signed in with, and the task queue.
    const active = /^raptorflow_session_active\{[^}]*\} (\d+)$/m.exec(prom.text);
    expect(Number(active?.[1])).toBeGreaterThan(0);
    expect(prom.text).toMatch(/^raptorflow_queue_jobs\{[^}]*queue="agent-tasks"[^}]*\} \d+$/m);
    const health = await c.request('GET', '/api/v1/health/redis');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, status: 'up' });
    const metrics = await c.request('GET', '/api/v1/admin/redis-metrics');
    expect(metrics.body.snapshot.stores.default.breaker.state).toBe('closed');
    expect(Object.keys(metrics.body.snapshot.stores.default.features)).toEqual(
      expect.arrayContaining(['cache', 'session']),
    );
    expect((await c.request('GET', '/api/v1/admin/redis-stats')).status).toBe(200);
    const demo = await c.request('GET', '/api/v1/admin/demo');
    expect(demo.body).toMatchObject({
      breaker: 'closed',
      queue: expect.objectContaining({ waiting: expect.any(Number) }),
    });
    const page = await c.request('GET', '/admin/performance');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<script src="/assets/chart.umd.js">');
    const chart = await c.request('GET', '/assets/chart.umd.js');
    expect(chart.status).toBe(200);
    expect(chart.text).toContain('Chart.js');
    expect((await c.request('GET', '/')).text).toContain('RaptorFlow KV demo');
    expect((await c.request('GET', '/nope')).status).toBe(404);
  });
});

describe('bad input: a clear 4xx and nothing stored', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  let c: Client;
  let ada: string;
  beforeAll(async () => {
    c = await client(store, { workers: false });
    ada = await c.signIn('ada', 'acme');
  });
  afterAll(async () => {
    await c.demo.close();
    await store.close();
  });

  it('malformed JSON, a wrong content type, an oversized body, a schema failure, unknown workspaces', async () => {
    const before = await keysOf(store);
    const cases: Array<[string, string, Parameters<Client['request']>[2], number, string]> = [
      ['POST', '/auth/sign-in', { raw: '{"user":' }, 400, 'E_INVALID_JSON'],
      [
        'POST',
        '/auth/sign-in',
        { raw: 'user=ada', type: 'application/x-www-form-urlencoded' },
        415,
        'E_UNSUPPORTED_MEDIA_TYPE',
      ],
      ['POST', '/auth/sign-in', { body: { user: 'A B', workspace: 'acme' } }, 400, 'E_INVALID_ARGUMENT'],
      ['POST', '/auth/sign-in', { body: { user: 'zed', workspace: 'nope' } }, 404, 'E_UNKNOWN_WORKSPACE'],
      [
        'POST',
        '/auth/sign-in',
        { body: { user: 'zed', workspace: 'acme', admin: true } },
        400,
        'E_INVALID_ARGUMENT',
      ],
      [
        'POST',
        '/auth/sign-in',
        { raw: JSON.stringify({ user: 'zed', workspace: 'acme', pad: 'x'.repeat(MAX_BODY_BYTES) }) },
        413,
        'E_BODY_TOO_LARGE',
      ],
      ['POST', '/api/v1/workspaces/acme/tasks', { cookie: ada, raw: '[1,2' }, 400, 'E_INVALID_JSON'],
      [
        'POST',
        '/api/v1/workspaces/acme/tasks',
        { cookie: ada, raw: JSON.stringify({ title: 'x'.repeat(20_000) }) },
        413,
        'E_BODY_TOO_LARGE',
      ],
      [
        'POST',
        '/api/v1/workspaces/acme/chat',
        { cookie: ada, body: { message: '' } },
        400,
        'E_INVALID_ARGUMENT',
      ],
      [
        'POST',
        '/api/v1/workspaces/acme/chat',
        { cookie: ada, body: { message: 'x'.repeat(2001) } },
        400,
        'E_INVALID_ARGUMENT',
      ],
      ['POST', '/api/v1/workspaces/acme/chat', { cookie: ada, raw: 'null' }, 400, 'E_INVALID_ARGUMENT'],
      [
        'POST',
        '/api/v1/workspaces/nope/tasks',
        { cookie: ada, body: { title: 'x' } },
        404,
        'E_UNKNOWN_WORKSPACE',
      ],
      ['POST', '/api/v1/workspaces/globex/tasks', { cookie: ada, body: { title: 'x' } }, 403, 'E_FORBIDDEN'],
      ['POST', '/api/v1/workspaces/acme/tasks', { body: { title: 'x' } }, 401, 'E_UNAUTHENTICATED'],
      [
        'POST',
        '/api/v1/workspaces/acme/report',
        { cookie: `${COOKIE}=rf1.abc.${'B'.repeat(43)}` },
        401,
        'E_UNAUTHENTICATED',
      ],
      [
        'GET',
        `/api/v1/workspaces/${'w'.repeat(300)}/pages/home`,
        { cookie: ada },
        404,
        'E_UNKNOWN_WORKSPACE',
      ],
      ['POST', '/auth/sign-out-everywhere', {}, 401, 'E_UNAUTHENTICATED'],
    ];
    for (const [method, path, init, status, code] of cases) {
      const r = await c.request(method, path, init);
      expect(
        [r.status, r.body?.error?.code],
        `${method} ${path} ${JSON.stringify(init).slice(0, 80)}`,
      ).toEqual([status, code]);
    }
    expect(await keysOf(store)).toEqual(before);
    expect(await c.demo.features.queue.counts()).toMatchObject({ waiting: 0, delayed: 0 });
    expect(await c.demo.features.sessions.list('zed')).toEqual([]);
  });

  it('an expired session cookie is a 401 (on the memory store’s clock)', async () => {
    let now = Date.now();
    const timed = memoryAdapter({ sweepIntervalMs: 0, clock: () => now });
    const t = await client(timed, { workers: false });
    try {
      const cookie = await t.signIn('ada', 'acme');
      expect((await t.request('GET', '/api/v1/me', { cookie })).status).toBe(200);
      now += 2 * 3_600_000 + 1;
      const r = await t.request('GET', '/api/v1/workspaces/acme/pages/home', { cookie });
      expect([r.status, r.body.error.code, r.cookie]).toEqual([401, 'E_UNAUTHENTICATED', '']);
    } finally {
      await t.demo.close();
      await timed.close();
    }
  });
});
