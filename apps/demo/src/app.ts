import type { CacheStatus } from '@raptorflow/cache';
import { isStoreFailure } from '@raptorflow/core/kit';
import { DEFAULT_PRICES, savingsOf } from '@raptorflow/llm-cache';
import { fetchRateLimit, getRateLimitResult, withRateLimitHeaders } from '@raptorflow/ratelimit';
import type { Session } from '@raptorflow/session';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as z from 'zod';
import { assetRoutes } from './assets.js';
import {
  createFeatures,
  type DemoSessionData,
  type FeatureOptions,
  type Features,
  LiveEvent,
} from './features.js';
import { fail, onError, problem, readJson } from './http.js';
import { homePage } from './pages/home.js';
import { performancePage } from './pages/performance.js';
import { createStack, type DemoStack, type StackOptions } from './stack.js';
import { isWorkspace, PAGES, WORKSPACES } from './workspaces.js';

/** The session cookie's name. */
export const COOKIE = 'rf_demo_session';
/** Largest request body, bytes. */
export const MAX_BODY_BYTES: number = 16 * 1024;

type Env = {
  Variables: {
    session: Session<DemoSessionData> | null;
    token: string | undefined;
    /** The store failure that kept the session from being read (sessions are fail-closed). */
    sessionError: Error | undefined;
  };
};

/** Options of {@link createDemo}. */
export interface DemoOptions extends StackOptions, FeatureOptions {
  /** Mark the cookie `Secure` (behind HTTPS). @default false */
  secureCookie?: boolean | undefined;
}

/** The demo: the Hono app, its stores and features. */
export interface Demo {
  readonly app: Hono<Env>;
  readonly stack: DemoStack;
  readonly features: Features;
  close(): Promise<void>;
}

const SignIn = z.strictObject({
  user: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, 'lower-case letters, digits, . _ -, at most 32'),
  workspace: z.string().min(1).max(64),
});
const NewTask = z.strictObject({
  title: z.string().min(1).max(200),
  steps: z.number().int().min(1).max(20).default(4),
  fail: z.enum(['never', 'once', 'always']).default('never'),
});
const Chat = z.strictObject({ message: z.string().min(1).max(2000) });
const JOB_ID = /^[0-9]{1,20}$/;

/** Where the workspace of a task is kept (a day: longer than the queue keeps its result). */
const taskOwner = (id: string): string => `demo:task-owner:${id}`;
const TASK_OWNER_TTL_MS = 86_400_000;

export async function createDemo(options: DemoOptions = {}): Promise<Demo> {
  const stack = await createStack(options);
  const features = createFeatures(stack, options);
  const { cache, sessions, queue, locks, llm, model, realtime, handlers, usage, limiter } = features;
  const app = new Hono<Env>();
  app.onError(onError);
  app.notFound(() => problem(404, 'E_NOT_FOUND', 'no such route'));

  // Bodies are bounded before anything reads them: an oversized one is a 413, nothing stored.
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => problem(413, 'E_BODY_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`),
  });
  app.use('/api/*', limitBody);
  app.use('/auth/*', limitBody);

  // The session of the cookie, if any. A forged, expired or revoked token reads as null (a
  // malformed one without a round trip), and the stale cookie is cleared.
  app.use('*', async (c, next) => {
    const token = getCookie(c, COOKIE);
    let session: Session<DemoSessionData> | null = null;
    try {
      session = token ? await sessions.get(token) : null;
    } catch (error) {
      // Sessions are fail-closed: routes that need one answer 503 (not 401), the others go on.
      if (!isStoreFailure(error)) throw error;
      c.set('sessionError', error);
    }
    c.set('session', session);
    c.set('token', session ? token : undefined);
    await next();
    // After the handler, so the error responses (a 401) carry it too.
    if (token && !session && !c.get('sessionError') && !c.res.headers.get('set-cookie')) {
      deleteCookie(c, COOKIE, { path: '/' });
    }
  });

  function unauthenticated(c: { get(key: 'sessionError'): Error | undefined }): never {
    const error = c.get('sessionError');
    if (error) throw error;
    fail(401, 'E_UNAUTHENTICATED', 'sign in first');
  }

  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: options.secureCookie ?? false,
  };

  // ---- sign in / out --------------------------------------------------------------------------
  app.post('/auth/sign-in', async (c) => {
    const { user, workspace } = await readJson(c, SignIn);
    if (!isWorkspace(workspace))
      fail(404, 'E_UNKNOWN_WORKSPACE', `no workspace ${JSON.stringify(workspace)}`);
    const current = c.get('session');
    const token = c.get('token');
    // Rotation at sign-in: the token the browser held before is dead from now on.
    let issued: { token: string; id: string; expiresAt: number };
    if (current && token && current.userId === user && current.workspaceId === workspace) {
      issued =
        (await sessions.rotate(token)) ??
        (await sessions.create(user, { workspaceId: workspace, data: { name: user } }));
    } else {
      if (token) await sessions.destroy(token);
      issued = await sessions.create(user, { workspaceId: workspace, data: { name: user } });
    }
    setCookie(c, COOKIE, issued.token, { ...cookieOptions, expires: new Date(issued.expiresAt) });
    return c.json({ user, workspace, session: issued.id, rotated: Boolean(current) });
  });

  app.post('/auth/sign-out', async (c) => {
    const token = c.get('token');
    if (token) await sessions.destroy(token);
    deleteCookie(c, COOKIE, { path: '/' });
    return c.json({ signedOut: Boolean(token) });
  });

  app.post('/auth/sign-out-everywhere', async (c) => {
    const session = c.get('session');
    if (!session) unauthenticated(c);
    const revoked = await sessions.revokeAll(session.userId);
    deleteCookie(c, COOKIE, { path: '/' });
    return c.json({ revoked });
  });

  app.get('/api/v1/me', async (c) => {
    const session = c.get('session');
    if (!session) unauthenticated(c);
    return c.json({
      user: session.userId,
      workspace: session.workspaceId,
      session: session.id,
      expiresAt: session.expiresAt,
      sessions: (await sessions.list(session.userId)).length,
    });
  });

  // ---- workspaces: a known id and a session of that workspace ---------------------------------
  app.use('/api/v1/workspaces/:ws/*', async (c, next) => {
    const ws = c.req.param('ws');
    if (!isWorkspace(ws)) fail(404, 'E_UNKNOWN_WORKSPACE', `no workspace ${JSON.stringify(ws.slice(0, 64))}`);
    const session = c.get('session');
    if (!session) unauthenticated(c);
    if (session.workspaceId !== ws) fail(403, 'E_FORBIDDEN', `you are signed in to ${session.workspaceId}`);
    await next();
  });
  const user = (c: { get(k: 'session'): Session<DemoSessionData> | null }): string =>
    (c.get('session') as Session<DemoSessionData>).userId;
  const live = (ws: string) => realtime.workspace(ws).channel('live', LiveEvent);
  const announce = (ws: string, event: LiveEvent) =>
    live(ws)
      .publish(event)
      .catch(() => undefined);

  // Pages through the cache: L1 (this process) → L2 (the store) → render. Tags per page.
  app.get('/api/v1/workspaces/:ws/pages/:page', async (c) => {
    const ws = c.req.param('ws');
    const page = c.req.param('page');
    if (!PAGES.includes(page)) fail(404, 'E_UNKNOWN_PAGE', `no page ${JSON.stringify(page.slice(0, 64))}`);
    const status: CacheStatus = {};
    const rendered = await cache
      .workspace(ws)
      .namespace<{ html: string; renderedAt: string }>('pages')
      .getOrSet(
        page,
        async () => ({
          html: `<h2>${WORKSPACES[ws]?.name} · ${page}</h2><p>Rendered for the workspace, cached with tag page:${page}.</p>`,
          renderedAt: new Date().toISOString(),
        }),
        { tags: [`page:${page}`], status },
      );
    c.header('x-cache', status.result ?? 'miss');
    return c.json({ page, ...rendered, cache: status.result ?? 'miss' });
  });

  app.post('/api/v1/workspaces/:ws/pages/:page/invalidate', async (c) => {
    const ws = c.req.param('ws');
    const page = c.req.param('page');
    if (!PAGES.includes(page)) fail(404, 'E_UNKNOWN_PAGE', `no page ${JSON.stringify(page.slice(0, 64))}`);
    await cache.workspace(ws).invalidateTags([`page:${page}`]);
    await announce(ws, { type: 'cache', action: 'invalidate', page });
    return c.json({ invalidated: `page:${page}` });
  });

  app.post('/api/v1/workspaces/:ws/cache/clear', async (c) => {
    const ws = c.req.param('ws');
    const handle = await cache.workspace(ws).clear();
    await handle?.done;
    await announce(ws, { type: 'cache', action: 'clear' });
    return c.json({ cleared: ws });
  });

  // ---- agent tasks ----------------------------------------------------------------------------
  app.post('/api/v1/workspaces/:ws/tasks', async (c) => {
    const ws = c.req.param('ws');
    const body = await readJson(c, NewTask);
    const { id } = await queue.enqueue({ workspace: ws, ...body });
    // The job's workspace, so its status is shown only there (job ids are guessable counters).
    await stack.closed.set(taskOwner(id), ws, { ttl: TASK_OWNER_TTL_MS });
    await announce(ws, { type: 'task', id, title: body.title, state: 'queued', progress: 0 });
    return c.json({ id }, 202);
  });

  app.get('/api/v1/workspaces/:ws/tasks', async (c) => {
    const ws = c.req.param('ws');
    const [counts, dead] = await Promise.all([queue.counts(), queue.deadLetters.list({ limit: 100 })]);
    return c.json({
      counts,
      dead: dead
        .filter((d) => d.data?.workspace === ws)
        .map((d) => ({
          id: d.id,
          title: d.data?.title,
          reason: d.reason,
          message: d.message,
          deliveries: d.deliveries,
        })),
    });
  });

  app.get('/api/v1/workspaces/:ws/tasks/:id', async (c) => {
    const id = c.req.param('id');
    if (!JOB_ID.test(id)) fail(400, 'E_INVALID_ARGUMENT', 'id: expected a job id');
    if ((await stack.closed.get(taskOwner(id))) !== c.req.param('ws'))
      fail(404, 'E_UNKNOWN_TASK', `no task ${id} in this workspace`);
    const [progress, result] = await Promise.all([queue.progress(id), queue.result(id)]);
    if (progress === undefined && result === undefined)
      fail(404, 'E_UNKNOWN_TASK', `no task ${id} with a result or progress`);
    return c.json({ id, progress: progress ?? null, result: result ?? null });
  });

  app.post('/api/v1/workspaces/:ws/tasks/dead/:id/retry', async (c) => {
    const ws = c.req.param('ws');
    const id = c.req.param('id');
    if (!JOB_ID.test(id)) fail(400, 'E_INVALID_ARGUMENT', 'id: expected a job id');
    const dead = (await queue.deadLetters.list({ limit: 1000 })).find((d) => d.id === id);
    if (!dead || dead.data?.workspace !== ws) fail(404, 'E_UNKNOWN_TASK', `no dead task ${id} in ${ws}`);
    const retried = await queue.deadLetters.retry([id]);
    return c.json({ retried });
  });

  // ---- a lock-protected action with its fencing token ------------------------------------------
  app.post('/api/v1/workspaces/:ws/report', async (c) => {
    const ws = c.req.param('ws');
    const by = user(c);
    const written = await locks.withLock(`report:${ws}`, async (_signal, lock) => {
      const value = JSON.stringify({ by, at: new Date().toISOString() });
      const write = await locks.fencedWrite(`report:${ws}`, value, lock.fence);
      return { fence: lock.fence, write };
    });
    await announce(ws, { type: 'report', fence: written.fence, by });
    return c.json({ fence: written.fence, current: await locks.fencedRead(`report:${ws}`) });
  });

  // ---- chat behind llm-cache, with a deterministic fake model ----------------------------------
  app.post('/api/v1/workspaces/:ws/chat', async (c) => {
    const ws = c.req.param('ws');
    const { message } = await readJson(c, Chat);
    const request = {
      model: model.model,
      messages: [{ role: 'user' as const, content: message }],
      params: { temperature: 0 },
    };
    const result = await llm.getOrCall(request, () => model.complete(message), {
      tenant: ws,
      usage: (r) => ({ inputTokens: r.inputTokens, outputTokens: r.outputTokens }),
    });
    if (result.stage === 'miss') {
      const cost = savingsOf(DEFAULT_PRICES, model.model, result.value).cost ?? 0;
      await usage.record(ws, {
        model: model.model,
        inputTokens: result.value.inputTokens,
        outputTokens: result.value.outputTokens,
        cost,
      });
    }
    await result.pending;
    return c.json({
      answer: result.value.text,
      stage: result.stage,
      score: result.score ?? null,
      saved: result.saved ?? null,
    });
  });

  app.get('/api/v1/workspaces/:ws/usage', async (c) => {
    const ws = c.req.param('ws');
    const today = new Date().toISOString().slice(0, 10);
    return c.json(await usage.report(ws, { from: today, to: today }));
  });

  // ---- live updates and presence --------------------------------------------------------------
  app.get('/api/v1/workspaces/:ws/live', (c) => {
    const ws = c.req.param('ws');
    const room = realtime.workspace(ws).presence('online');
    return realtime.workspace(ws).sse(live(ws), c.req.raw, { presence: { presence: room, member: user(c) } });
  });

  app.get('/api/v1/workspaces/:ws/presence', async (c) => {
    const ws = c.req.param('ws');
    return c.json({ online: await realtime.workspace(ws).presence('online').list() });
  });

  // ---- a rate-limited API: standard headers, RFC 9457 429 bodies -------------------------------
  const guard = fetchRateLimit(limiter, {
    key: (req) => req.headers.get('x-api-key') ?? `ip:${req.headers.get('x-forwarded-for') ?? 'local'}`,
  });
  app.get('/api/v1/quote', async (c) => {
    const refused = await guard(c.req.raw);
    if (refused) return refused;
    const result = getRateLimitResult(c.req.raw);
    const response = Response.json({ quote: 'Make it work, make it right, make it fast.' });
    return result ? withRateLimitHeaders(response, result) : response;
  });

  // ---- operations: /metrics, health, admin figures, the dashboard ------------------------------
  app.on('GET', [...handlers.paths], async (c) => (await handlers.fetch(c.req.raw)) ?? c.notFound());
  // The dashboard's own figures: queue depth per state and usage per workspace (today, UTC).
  app.get('/api/v1/admin/demo', async (c) => {
    if (options.adminToken && c.req.header('authorization') !== `Bearer ${options.adminToken}`) {
      fail(401, 'E_UNAUTHORIZED', 'admin token required');
    }
    const today = new Date().toISOString().slice(0, 10);
    const ids = Object.keys(WORKSPACES);
    const [counts, ...reports] = await Promise.all([
      queue.counts(),
      ...ids.map((ws) => usage.report(ws, { from: today, to: today })),
    ]);
    return c.json({
      store: stack.settings.adapter,
      breaker: stack.guarded.failover.state,
      queue: counts,
      usage: Object.fromEntries(ids.map((ws, i) => [ws, reports[i]?.total])),
      modelCalls: model.calls,
    });
  });
  app.get('/admin/performance', (c) => c.html(performancePage()));
  app.get('/', (c) => c.html(homePage()));
  assetRoutes(app);

  return {
    app,
    stack,
    features,
    async close() {
      await features.close();
      await stack.close();
    },
  };
}
