import type { KvStore } from '@raptorflow/core';
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
