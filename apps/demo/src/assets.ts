import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Env, Hono } from 'hono';

const require = createRequire(import.meta.url);

/** Chart.js from node_modules (a kept library, no CDN, no hand-drawn charts), read once. */
export function assetRoutes<E extends Env>(app: Hono<E>): void {
  let chart: string | undefined;
  app.get('/assets/chart.umd.js', (c) => {
    chart ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
    c.header('cache-control', 'public, max-age=3600');
    return c.body(chart, 200, { 'content-type': 'text/javascript; charset=utf-8' });
  });
}
