import { isStoreFailure } from '@raptorflow/core/kit';
import type { SessionData } from '../options.js';
import type { Sessions } from '../sessions.js';
import {
  cookieSettings,
  csrfAllows,
  loadRequestSession,
  type RequestSession,
  type SessionMiddlewareOptions,
} from './common.js';

/** A Fetch-API handler with the request's session. */
export type SessionHandler<D extends SessionData = SessionData> = (
  request: Request,
  session: RequestSession<D>,
) => Response | Promise<Response>;

/**
 * Sessions for Fetch-API handlers (Hono, Next.js route handlers, Workers, Deno, Bun): wraps a
 * handler into a `(request) => Promise<Response>` that reads the session cookie (one round trip),
 * passes the session to the handler, and adds the `Set-Cookie` headers the request needs. A store
 * failure anywhere in it answers 503 (the sessions are fail-closed); a request refused by the
 * CSRF guard answers 403 without reaching the store.
 *
 * ```ts
 * export const GET = withSessions(sessions, async (req, { session }) =>
 *   session ? Response.json(session.data) : new Response('sign in', { status: 401 }));
 * ```
 */
export function withSessions<D extends SessionData = SessionData>(
  sessions: Sessions<D>,
  handler: SessionHandler<D>,
  options: SessionMiddlewareOptions<Request> = {},
): (request: Request) => Promise<Response> {
  const cookie = cookieSettings(options.cookie);
  return async (request) => {
    // A Request carries no Host header: its URL names the host the guard compares Origin with.
    const header = (name: string) =>
      name === 'host' ? new URL(request.url).host : (request.headers.get(name) ?? undefined);
    if (!csrfAllows(options.csrf, { method: request.method, header })) {
      return new Response('Forbidden: cross-site request', { status: 403 });
    }
    const cookies: string[] = [];
    let response: Response;
    try {
      const ctx = await loadRequestSession(
        sessions,
        cookie,
        {
          method: request.method,
          header,
          ip: options.clientIp?.(request),
          workspaceId: options.workspaceId?.(request),
        },
        // One cookie: a later Set-Cookie of the request (a sign-out after a touch) replaces the earlier.
        (value) => cookies.splice(0, cookies.length, value),
      );
      response = await handler(request, ctx);
    } catch (error) {
      if (isStoreFailure(error)) {
        return new Response('Service Unavailable: session store', {
          status: 503,
          headers: { 'retry-after': '1' },
        });
      }
      throw error;
    }
    if (cookies.length === 0) return response;
    // A Response from fetch() or Response.redirect() has immutable headers: copy it.
    const out = new Response(response.body, response);
    for (const c of cookies) out.headers.append('set-cookie', c);
    return out;
  };
}
