import type { KvStore } from '@raptorflow/core';
import { parseOptions } from '@raptorflow/core/kit';
import { z } from 'zod';
import { type HealthOptions, health } from './health.js';
import type { Metrics } from './metrics.js';

/** Options of {@link createHandlers}. */
export interface HandlersOptions {
  /** The store the health and stats routes check. */
  store: KvStore;
  /** The metrics the `/metrics` and `redis-metrics` routes read. */
  metrics?: Metrics | undefined;
  /** Options of every {@link health} check. */
  health?: HealthOptions | undefined;
  /** Mount point of every route, e.g. `/internal`. @default '' */
  basePath?: string | undefined;
  /**
   * Decides whether a request may read the admin routes and `/metrics` (they expose internals):
   * return `false` for a 403. `/api/v1/health/redis` is always open. @default every request may
   */
  authorize?:
    | ((request: {
        readonly method: string;
        readonly path: string;
        readonly headers: Headers;
      }) => boolean | Promise<boolean>)
    | undefined;
}

/** One answer of a route, before it becomes a Fetch `Response` or a Node response. */
interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/** Handlers for the old system's paths; see {@link createHandlers}. */
export interface Handlers {
  /** The paths served, with `basePath`. */
  readonly paths: readonly string[];
  /** Fetch API (Workers, Deno, Bun, Next.js route handlers, Hono): a `Response`, or `undefined` for other paths. */
  fetch(request: Request): Promise<Response | undefined>;
  /** Express / Connect / plain `node:http`: answers its paths, calls `next()` for the others. */
  express(
    req: {
      method?: string | undefined;
      url?: string | undefined;
      originalUrl?: string | undefined;
      headers: Record<string, string | string[] | undefined>;
    },
    res: { statusCode: number; setHeader(name: string, value: string): unknown; end(body: string): unknown },
    next?: (error?: unknown) => void,
  ): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

const SCHEMA = z.strictObject({
  store: z.custom<KvStore>(
    (v) => typeof v === 'object' && v !== null && typeof (v as KvStore).ping === 'function',
    'expected a RaptorFlow KV store',
  ),
  metrics: z
    .custom<Metrics>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Metrics).prometheus === 'function',
      'expected createMetrics(...)',
    )
    .optional(),
  health: z.custom<HealthOptions>((v) => typeof v === 'object' && v !== null).optional(),
  basePath: z
    .string()
    .regex(/^(\/[\w.~-]+)*$/, "must be '' or a path such as /internal (no trailing slash)")
    .default(''),
  authorize: z
    .custom<NonNullable<HandlersOptions['authorize']>>((v) => typeof v === 'function', 'expected a function')
    .optional(),
});

/**
 * HTTP handlers for the old system's paths, on any runtime:
 *
 * | path | answers |
 * |---|---|
 * | `GET /api/v1/health/redis` | {@link health}: 200 when `ok`, else 503 |
 * | `GET /api/v1/admin/redis-metrics` | `metrics.snapshot()` plus the server's memory, keys and ops/s |
 * | `GET /api/v1/admin/redis-stats` | the full {@link health} report (breaker, L1, INFO figures) |
 * | `GET /metrics` | the Prometheus text exposition |
 */
export function createHandlers(options: HandlersOptions): Handlers {
  const o = parseOptions('createHandlers', SCHEMA, options);
  const base = o.basePath;
  const HEALTH = `${base}/api/v1/health/redis`;
  const METRICS = `${base}/api/v1/admin/redis-metrics`;
  const STATS = `${base}/api/v1/admin/redis-stats`;
  const PROM = `${base}/metrics`;
  const paths = [HEALTH, METRICS, STATS, PROM];
  const json = (status: number, value: unknown): Answer => ({
    status,
    type: JSON_TYPE,
    body: JSON.stringify(value),
  });

  async function answer(method: string, path: string, headers: Headers): Promise<Answer | undefined> {
    if (!paths.includes(path)) return undefined;
    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'method not allowed' });
    if (path !== HEALTH && o.authorize && !(await o.authorize({ method, path, headers }))) {
      return json(403, { error: 'forbidden' });
    }
    if (path === HEALTH) {
      const report = await health(o.store, { ...o.health, server: false });
      return json(report.ok ? 200 : 503, report);
    }
    if (path === STATS) return json(200, await health(o.store, o.health));
    if (!o.metrics) return json(404, { error: 'no metrics configured: createHandlers({ metrics })' });
    if (path === PROM) return { status: 200, type: o.metrics.contentType, body: await o.metrics.scrape() };
    const [report] = await Promise.all([health(o.store, o.health), o.metrics.refresh()]);
    const server = report.server;
    return json(200, {
      status: report.status,
      pingMs: report.pingMs,
      memoryUsedBytes: server?.kind === 'redis' ? server.usedMemoryBytes : undefined,
      keys: server?.keys,
      opsPerSec: server?.kind === 'redis' ? server.opsPerSec : undefined,
      snapshot: o.metrics.snapshot(),
    });
  }

  return {
    paths,
    async fetch(request) {
      const url = new URL(request.url);
      const a = await answer(request.method, url.pathname, request.headers);
      if (a === undefined) return undefined;
      return new Response(request.method === 'HEAD' ? null : a.body, {
        status: a.status,
        headers: { 'content-type': a.type, 'cache-control': 'no-store' },
      });
    },
    express(req, res, next) {
      const url = req.originalUrl ?? req.url ?? '/';
      const path = url.split('?')[0] as string;
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string') headers.set(k, v);
        else if (Array.isArray(v)) headers.set(k, v.join(', '));
      }
      answer(req.method ?? 'GET', path, headers).then(
        (a) => {
          if (a === undefined) {
            if (next) next();
            else {
              res.statusCode = 404;
              res.end('');
            }
            return;
          }
          res.statusCode = a.status;
          res.setHeader('content-type', a.type);
          res.setHeader('cache-control', 'no-store');
          res.end(req.method === 'HEAD' ? '' : a.body);
        },
        (error: unknown) => {
          if (next) next(error);
          else {
            res.statusCode = 500;
            res.end('');
          }
        },
      );
    },
  };
}
