import { join } from 'node:path';
import { type RedisServer, startRedis } from '@raptorflow/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemo, type Demo } from '../src/app.js';
import { type InBrowser, OUTPUT, openInBrowser } from './helpers.js';

// Page functions run in the browser; this is all of the DOM they use (the app's tsconfig has no DOM lib).
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/*
 * The kill-Redis proof, in `pnpm verify:long` (RAPTORFLOW_LONG=1): the demo on its own
 * redis-server (started and stopped by this file, by PID); kill it, and the dashboard shows the
 * breaker open while the rate-limited API keeps answering from the fallback and session routes
 * answer 503; restart it, and the breaker closes. Every wait is on the page's or the app's state.
 */
const LONG = process.env.RAPTORFLOW_LONG === '1';

describe.runIf(LONG)(
  'kill the demo’s redis-server: the breaker opens, the app answers, then it closes',
  () => {
    let redis: RedisServer;
    let demo: Demo;
    let open: InBrowser;
    let base: string;
    let app: Page;
    let dashboard: Page;

    beforeAll(async () => {
      redis = await startRedis();
      demo = await createDemo({
        env: { REDIS_URL: redis.url },
        cooldownMs: 1000,
        timeoutMs: 300,
        modelLatencyMs: 0,
        stepMs: 0,
      });
      open = await openInBrowser(demo);
      ({ base, app, dashboard } = open);
    }, 60_000);

    afterAll(async () => {
      await open?.close();
      await demo?.close();
      await redis?.stop();
    });

    const breaker = (state: string) =>
      dashboard.waitForFunction((s) => document.getElementById('breaker-state')?.textContent === s, state, {
        timeout: 60_000,
        polling: 100,
      });
    const status = (path: string) => app.evaluate(async (p) => (await fetch(p)).status, path);

    it('closed → open while killed (the API still answers) → closed after a restart', async () => {
      await app.goto(base);
      await app.fill('#user', 'ada');
      await app.click('#sign-in');
      await app.waitForFunction(
        () => document.getElementById('me')?.textContent?.includes('signed in as ada'),
        null,
        { timeout: 30_000 },
      );
      await dashboard.goto(`${base}/admin/performance`);
      await breaker('closed');
      expect(demo.stack.settings.adapter).toBe('ioredis');

      await redis.kill();
      // Calls fail (timeouts at 300 ms) until the breaker opens; the dashboard's own polls count too.
      while (demo.stack.guarded.failover.state !== 'open') await status('/api/v1/quote');
      await breaker('open');
      await dashboard.screenshot({ path: join(OUTPUT, 'breaker-open.png'), fullPage: true });
      // Where the policy allows it, the app keeps serving from the fallback; sessions are fail-closed.
      expect(await status('/api/v1/quote')).toBe(200);
      expect(await status('/api/v1/health/redis')).toBe(503);
      expect(await status('/api/v1/workspaces/acme/pages/home')).toBe(503);

      await redis.restart();
      // The half-open probe after the cool-down reaches the restarted server and closes the circuit.
      await breaker('closed');
      expect(await status('/api/v1/health/redis')).toBe(200);
      // The restarted server kept no data (no persistence): the session is gone, a clear 401.
      expect(await status('/api/v1/workspaces/acme/pages/home')).toBe(401);
      await app.click('#sign-in');
      await app.waitForFunction(
        () => document.getElementById('me')?.textContent?.includes('signed in as ada'),
        null,
        {
          timeout: 30_000,
        },
      );
      expect(await status('/api/v1/workspaces/acme/pages/home')).toBe(200);
      await dashboard.screenshot({ path: join(OUTPUT, 'breaker-closed.png'), fullPage: true });
    }, 120_000);
  },
);
