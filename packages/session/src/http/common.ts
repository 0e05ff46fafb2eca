import { parseCookie, stringifySetCookie } from 'cookie';
import type { ClientFingerprint } from '../fingerprint.js';
import type { SessionData } from '../options.js';
import type { CreateOptions, IssuedSession, Session, Sessions } from '../sessions.js';

/** The session cookie. Defaults follow OWASP and Lucia: `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`. */
export interface SessionCookieOptions {
  /** The cookie's name. @default 'rf_session' */
  name?: string | undefined;
  /** `Secure`: sent over HTTPS only (browsers also accept it on http://localhost). @default true */
  secure?: boolean | undefined;
  /** `HttpOnly`: out of reach of page scripts. @default true */
  httpOnly?: boolean | undefined;
  /** `SameSite`. @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none' | undefined;
  /** `Path`. @default '/' */
  path?: string | undefined;
  /** `Domain`; none by default (host-only cookie). */
  domain?: string | undefined;
}

/** Options of the middlewares. */
export interface SessionMiddlewareOptions<Req> {
  /** The cookie. */
  cookie?: SessionCookieOptions | undefined;
  /**
   * The CSRF guard for cookie sessions: a state-changing request (not GET, HEAD or OPTIONS) is
   * refused with 403 unless `Sec-Fetch-Site` is `same-origin`, or its `Origin` names this host or
   * one of `allowedOrigins`. `true` turns it on with no other origin allowed. @default false
   */
  csrf?: boolean | { allowedOrigins?: readonly string[] | undefined } | undefined;
  /**
   * The client address for the fingerprint. Node: the socket's address by default (behind a
   * proxy, read your trusted forwarding header here). Fetch: none by default.
   */
  clientIp?: ((request: Req) => string | undefined) | undefined;
  /** The workspace the request is for; a session of another workspace then reads as none. */
  workspaceId?: ((request: Req) => string | undefined) | undefined;
}

/** What a handler gets: the request's session and the calls that change it (and its cookie). */
export interface RequestSession<D extends SessionData = SessionData> {
  /** The session of the request's cookie, or `null`. */
  readonly session: Session<D> | null;
  /** The token of the request's cookie (or of the session started in this request), or `undefined`. */
  readonly token: string | undefined;
  /** Start a session (sign-in) and set its cookie; an existing session of this request is destroyed first. */
  create(userId: string, options?: Omit<CreateOptions<D>, 'fingerprint'>): Promise<IssuedSession>;
  /** A new token for this session (after a privilege change), cookie included. */
  rotate(): Promise<IssuedSession | null>;
  /** Merge data into this session. `false` when there is none. */
  update(patch: Partial<D>): Promise<boolean>;
  /** End this session (sign-out) and clear its cookie. */
  destroy(): Promise<boolean>;
}

/** The request's parts a middleware reads, whatever the framework. */
export interface RequestParts {
  readonly method: string;
  header(name: string): string | undefined;
  readonly ip: string | undefined;
  readonly workspaceId: string | undefined;
}

/** The cookie settings, resolved. */
export interface CookieSettings {
  readonly name: string;
  readonly options: {
    secure: boolean;
    httpOnly: boolean;
    sameSite: 'lax' | 'strict' | 'none';
    path: string;
    domain?: string | undefined;
  };
}

/** Resolve {@link SessionCookieOptions}. */
export function cookieSettings(o: SessionCookieOptions | undefined): CookieSettings {
  return {
    name: o?.name ?? 'rf_session',
    options: {
      secure: o?.secure ?? true,
      httpOnly: o?.httpOnly ?? true,
      sameSite: o?.sameSite ?? 'lax',
      path: o?.path ?? '/',
      ...(o?.domain ? { domain: o.domain } : {}),
    },
  };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `true` when the CSRF guard lets the request through. */
export function csrfAllows(
  csrf: SessionMiddlewareOptions<unknown>['csrf'],
  req: Pick<RequestParts, 'method' | 'header'>,
): boolean {
  if (!csrf || SAFE.has(req.method.toUpperCase())) return true;
  if (req.header('sec-fetch-site') === 'same-origin') return true;
  const origin = req.header('origin');
  if (!origin) return false;
  const allowed = typeof csrf === 'object' ? (csrf.allowedOrigins ?? []) : [];
  if (allowed.includes(origin)) return true;
  const host = req.header('host');
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * The session of one request: reads the cookie, calls `get` (one round trip) and builds the
 * handler's {@link RequestSession}; every `Set-Cookie` the request needs goes to `setCookie`: the
 * new expiry after a touch (so the cookie follows the sliding TTL), a new token after create or
 * rotate, a cleared cookie after destroy or when the cookie's session is gone.
 */
export async function loadRequestSession<D extends SessionData>(
  sessions: Sessions<D>,
  cookie: CookieSettings,
  req: RequestParts,
  setCookie: (value: string) => void,
): Promise<RequestSession<D>> {
  const header = req.header('cookie');
  let token = header ? parseCookie(header)[cookie.name] : undefined;
  const ua = req.header('user-agent');
  const fingerprint: ClientFingerprint | undefined = ua || req.ip ? { userAgent: ua, ip: req.ip } : undefined;
  let session = token ? await sessions.get(token, { fingerprint, workspaceId: req.workspaceId }) : null;
  const write = (value: string, expiresAt: number) =>
    setCookie(stringifySetCookie(cookie.name, value, { ...cookie.options, expires: new Date(expiresAt) }));
  const clear = () => setCookie(stringifySetCookie(cookie.name, '', { ...cookie.options, maxAge: 0 }));
  if (token && session === null) {
    clear();
    token = undefined;
  } else if (session?.touched) write(token as string, session.expiresAt);
  return {
    get session() {
      return session;
    },
    get token() {
      return token;
    },
    async create(userId, options) {
      if (token) await sessions.destroy(token);
      const issued = await sessions.create(userId, { ...options, fingerprint });
      token = issued.token;
      session = null;
      write(issued.token, issued.expiresAt);
      return issued;
    },
    async rotate() {
      if (!token) return null;
      const issued = await sessions.rotate(token);
      if (issued === null) return null;
      token = issued.token;
      write(issued.token, issued.expiresAt);
      return issued;
    },
    update(patch) {
      return token ? sessions.update(token, patch) : Promise.resolve(false);
    },
    async destroy() {
      if (!token) return false;
      const done = await sessions.destroy(token);
      token = undefined;
      session = null;
      clear();
      return done;
    },
  };
}
