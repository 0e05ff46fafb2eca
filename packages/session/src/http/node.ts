import type { IncomingMessage, ServerResponse } from 'node:http';
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

const SESSIONS = new WeakMap<object, RequestSession<SessionData>>();

/** The session of a request the Express/Node middleware has seen (`undefined` before it ran). */
export function requestSession<D extends SessionData = SessionData>(
  req: object,
): RequestSession<D> | undefined {
  return SESSIONS.get(req) as RequestSession<D> | undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

// Adds the session cookie, replacing one set earlier in the same request (a sign-out after a
// touch), and keeps the other cookies of the response.
function append(res: ServerResponse, name: string, value: string): void {
  const prev = res.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  res.setHeader('set-cookie', [...list.filter((c) => !c.startsWith(`${name}=`)), value]);
}

function unavailable(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 503;
  res.setHeader('retry-after', '1');
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end('Service Unavailable: session store');
}

/**
 * Sessions for Express (4 and 5) and plain Node `http`: a `(req, res, next)` middleware that reads
 * the session cookie (one round trip) and makes the session available as `requestSession(req)`.
 * `Set-Cookie` goes on the response when the session was touched (the cookie follows the sliding
 * TTL), created, rotated or destroyed. A store failure answers 503 (fail-closed); the CSRF guard
 * answers 403. Add {@link sessionErrorHandler} after your routes so a store failure inside a
 * handler is a 503 too.
 *
 * ```ts
 * app.use(sessionMiddleware(sessions, { csrf: true }));
 * app.get('/me', (req, res) => res.json(requestSession(req)?.session?.data ?? null));
 * ```
 */
export function sessionMiddleware<D extends SessionData = SessionData>(
  sessions: Sessions<D>,
  options: SessionMiddlewareOptions<IncomingMessage> = {},
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const cookie = cookieSettings(options.cookie);
  const clientIp = options.clientIp ?? ((req: IncomingMessage) => req.socket.remoteAddress);
  return (req, res, next) => {
    const parts = {
      method: req.method ?? 'GET',
      header: (name: string) => header(req, name),
      ip: clientIp(req),
      workspaceId: options.workspaceId?.(req),
    };
    if (!csrfAllows(options.csrf, parts)) {
      res.statusCode = 403;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Forbidden: cross-site request');
      return;
    }
    loadRequestSession(sessions, cookie, parts, (value) => append(res, cookie.name, value)).then(
      (ctx) => {
        SESSIONS.set(req, ctx as unknown as RequestSession<SessionData>);
        next();
      },
      (error: unknown) => (isStoreFailure(error) ? unavailable(res) : next(error)),
    );
  };
}

/** An Express error handler: a session-store failure inside a route answers 503; anything else goes on. */
export function sessionErrorHandler(): (
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void {
  return (error, _req, res, next) => (isStoreFailure(error) ? unavailable(res) : next(error));
}
