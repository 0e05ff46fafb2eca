import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { KvStore } from '@raptorflow/core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createDemo, type Demo, type DemoOptions } from '../src/app.js';

/** A response, its parsed JSON body (or text) and the session cookie it set, if any. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads reply fields freely and asserts each one
  readonly body: any;
  readonly text: string;
  /** `name=value` of a Set-Cookie of the session, `''` when it was cleared, undefined when untouched. */
  readonly cookie: string | undefined;
}

/** In-process requests against the demo's Hono app (no socket). */
export interface Client {
  readonly demo: Demo;
  request(
    method: string,
    path: string,
    init?: {
      body?: unknown;
      raw?: string;
      type?: string;
      cookie?: string | undefined;
      headers?: Record<string, string>;
    },
  ): Promise<Reply>;
  signIn(user: string, workspace: string, cookie?: string): Promise<string>;
}

export async function client(store: KvStore, options: DemoOptions = {}): Promise<Client> {
  const demo = await createDemo({ store, modelLatencyMs: 0, stepMs: 0, ...options });
  const request: Client['request'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    let body: string | undefined;
    if (init.raw !== undefined) body = init.raw;
    else if (init.body !== undefined) body = JSON.stringify(init.body);
    if (body !== undefined) headers['content-type'] = init.type ?? 'application/json';
    if (init.cookie) headers.cookie = init.cookie;
    const response = await demo.app.request(path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const set = response.headers.get('set-cookie') ?? undefined;
    const pair = set?.split(';')[0];
    const cookie = pair === undefined ? undefined : pair.endsWith('=') ? '' : pair;
    return { status: response.status, headers: response.headers, body: parsed, text, cookie };
  };
  return {
    demo,
    request,
    async signIn(user, workspace, cookie) {
      const r = await request('POST', '/auth/sign-in', { body: { user, workspace }, cookie });
      if (r.status !== 200 || !r.cookie) throw new Error(`sign-in failed: ${r.status} ${r.text}`);
      return r.cookie;
    },
  };
}

/** Every key under `store` (a test's namespace view), sorted. */
export async function keysOf(store: KvStore): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.scan({ count: 500 })) out.push(key);
  return out.sort();
}

/** Debian's Chromium, driven by playwright-core through `executablePath` (never a browser download). */
export const CHROMIUM: string | undefined = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find(
  (path) => existsSync(path),
);
/** Where browser tests put their screenshots. */
export const OUTPUT: string = join(import.meta.dirname, '..', 'test-output');

/** A demo served on a loopback port, open in headless Chromium: the app page and the dashboard page. */
export interface InBrowser {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly browser: Browser;
  /** The demo's home page (not yet loaded). */
  readonly app: Page;
  /** A second page of the same context, for /admin/performance (not yet loaded). */
  readonly dashboard: Page;
  /** Close the browser and the HTTP server (the demo itself stays the caller's to close). */
  close(): Promise<void>;
}

/**
 * Serve `demo` on a free loopback port and open two pages of one browser context in headless
 * Chromium. Fails with the install command when Chromium is missing.
 */
export async function openInBrowser(demo: Demo): Promise<InBrowser> {
  if (CHROMIUM === undefined)
    throw new Error('Chromium is missing: apt-get install -y chromium-headless-shell');
  mkdirSync(OUTPUT, { recursive: true });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: demo.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const app = await context.newPage();
    const dashboard = await context.newPage();
    const open = browser;
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      browser: open,
      app,
      dashboard,
      async close() {
        await open.close();
        await closeServer();
      },
    };
  } catch (error) {
    await browser?.close();
    await closeServer();
    throw error;
  }
}
