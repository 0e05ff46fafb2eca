import { join } from 'node:path';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemo, type Demo } from '../src/app.js';
import { CHROMIUM, type InBrowser, OUTPUT, openInBrowser } from './helpers.js';

/*
 * The demo in real headless Chromium: Debian's package driven by playwright-core through
 * `executablePath` (never a browser download; `pnpm verify` installs it when missing). Every
 * wait is on the page's own state (a figure reaching a value), bounded by the test timeout.
 * Screenshots: apps/demo/test-output/<store>-*.png.
 */
// Page functions run in the browser; this is all of the DOM they use (the app's tsconfig has no DOM lib).
declare const document: { getElementById(id: string): { textContent: string | null } | null };

// In CI a missing browser fails the run (verify installs it); elsewhere the suite is skipped.
const run = CHROMIUM !== undefined || process.env.CI === 'true';
/** The API's limit in this file; its window (an hour) is far longer than the file can run. */
const API_LIMIT = 10;
const HAMMER = 30;

describe.runIf(run).each(storeMatrix({ only: ['memory', 'ioredis'] }))(
  'browser on $name',
  ({ name, create }) => {
    let demo: Demo;
    let open: InBrowser;
    let base: string;
    let app: Page;
    let dashboard: Page;

    beforeAll(async () => {
      demo = await createDemo({
        store: (await create()).namespace(randomPrefix()),
        modelLatencyMs: 0,
        stepMs: 50,
        apiLimit: API_LIMIT,
        apiWindow: '1h',
      });
      open = await openInBrowser(demo);
      ({ base, app, dashboard } = open);
    }, 60_000);

    afterAll(async () => {
      await open?.close();
      await demo?.close();
    });

    const figure = async (id: string): Promise<number> =>
      Number((await dashboard.textContent(`#${id}`)) ?? 'NaN');
    const reaches = (page: Page, id: string, min: number) =>
      page.waitForFunction(
        ([el, n]) => Number(document.getElementById(el as string)?.textContent) >= (n as number),
        [id, min],
        { timeout: 30_000, polling: 100 },
      );

    it('signs in', async () => {
      await app.goto(base);
      await app.fill('#user', 'ada');
      await app.selectOption('#workspace', 'acme');
      await app.click('#sign-in');
      await app.waitForFunction(
        () => document.getElementById('me')?.textContent?.includes('signed in as ada in acme'),
        null,
        {
          timeout: 30_000,
        },
      );
      expect(await app.isVisible('#page-buttons')).toBe(true);
    });

    it('loads pages and sees cache hits rise on the dashboard', async () => {
      await dashboard.goto(`${base}/admin/performance`);
      await dashboard.waitForFunction(() => document.getElementById('adapter')?.textContent !== '–', null, {
        timeout: 30_000,
      });
      const before = await figure('cache-hits');
      for (let i = 0; i < 4; i++) {
        await app.click('button[data-page="home"]');
        await app.waitForFunction(
          (n) => document.getElementById('page-out')?.textContent?.includes(`"cache"`) && n >= 0,
          i,
        );
      }
      await reaches(dashboard, 'cache-hits', before + 3);
      expect(await dashboard.textContent('#breaker-state')).toBe('closed');
      await dashboard.screenshot({ path: join(OUTPUT, `${name}-cache.png`), fullPage: true });
    });

    it('hammers the API: exactly the limit answered, the rest 429, all counted on the dashboard', async () => {
      await app.click('#hammer');
      await app.waitForFunction(
        (n) =>
          Number(document.getElementById('ok-count')?.textContent) +
            Number(document.getElementById('limited-count')?.textContent) >=
          n,
        HAMMER,
        { timeout: 30_000 },
      );
      // The window is an hour, so nothing refills while the burst runs, however slow the box:
      // the count is decided by the limit alone.
      expect(Number(await app.textContent('#ok-count'))).toBe(API_LIMIT);
      expect(Number(await app.textContent('#limited-count'))).toBe(HAMMER - API_LIMIT);
      await reaches(dashboard, 'ratelimit-blocked', HAMMER - API_LIMIT);
      expect(await figure('ratelimit-blocked')).toBe(HAMMER - API_LIMIT);
      await dashboard.screenshot({ path: join(OUTPUT, `${name}-ratelimit.png`), fullPage: true });
    });

    it('enqueues tasks and watches them complete, live and on the dashboard', async () => {
      await app.click('#enqueue');
      await reaches(app, 'tasks-done', 3);
      await reaches(dashboard, 'tasks-completed', 3);
      expect(await app.textContent('#live-out')).toContain('"state":"completed"');
      await dashboard.screenshot({ path: join(OUTPUT, `${name}-dashboard.png`), fullPage: true });
    });
  },
);
