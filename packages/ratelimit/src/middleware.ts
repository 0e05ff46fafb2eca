import { KvError } from '@raptorflow/core';
import { describeValue } from '@raptorflow/core/kit';
import type { RateLimitHeaderOptions } from './headers.js';
import { rateLimitHeaders, rateLimitProblem, rateLimitResponse } from './headers.js';
import type { RateLimiter } from './limiter.js';
import type { RateLimitResult } from './result.js';

/** Options shared by the middlewares. */
export interface MiddlewareOptions<Req> extends RateLimitHeaderOptions {
  /** The identifier of a request (a user id, an API key, `ipKey(clientAddress(...))`). */
  key: (request: Req) => string | Promise<string>;
  /** Units a request costs. @default 1 */
  cost?: ((request: Req) => number) | undefined;
  /** Requests to let through without counting (health checks). */
  skip?: ((request: Req) => boolean) | undefined;
}

const results = new WeakMap<object, RateLimitResult>();

/** A middleware's arguments, checked once when it is built: `E_INVALID_OPTIONS`. */
function checkArguments(where: string, limiter: unknown, options: unknown): void {
  const bad = (field: string, problem: string, v: unknown) =>
    new KvError('E_INVALID_OPTIONS', `${where}: ${field}: ${problem}, got ${describeValue(v)}`);
  if (typeof (limiter as RateLimiter | null)?.limit !== 'function')
    throw bad('limiter', 'must be a RateLimiter', limiter);
  if (typeof options !== 'object' || options === null) throw bad('options', 'must be an object', options);
  const o = options as MiddlewareOptions<unknown>;
  if (typeof o.key !== 'function') throw bad('key', 'must be a function', o.key);
  for (const field of ['cost', 'skip'] as const) {
    if (o[field] !== undefined && typeof o[field] !== 'function')
      throw bad(field, 'must be a function', o[field]);
  }
}

/** The result the middleware computed for a request (to add headers to the handler's response). */
export function getRateLimitResult(request: object): RateLimitResult | undefined {
  return results.get(request);
}

/**
 * Middleware for Fetch-API handlers (Hono, Next.js route handlers, Workers, Deno, Bun):
 * resolves to a 429/503 problem+json `Response` when the request is refused, or `undefined`
 * to continue. Use {@link getRateLimitResult} and {@link withRateLimitHeaders} to put the
 * headers on the handler's own response.
 */
export function fetchRateLimit(
  limiter: RateLimiter,
  options: MiddlewareOptions<Request>,
): (request: Request) => Promise<Response | undefined> {
  checkArguments('fetchRateLimit', limiter, options);
  return async (request) => {
    if (options.skip?.(request)) return undefined;
    const result = await limiter.limit(await options.key(request), { cost: options.cost?.(request) ?? 1 });
    results.set(request, result);
    return result.allowed ? undefined : rateLimitResponse(result, options);
  };
}

/** Copy the rate-limit headers of `result` onto a response (a new one: Fetch headers may be immutable). */
export function withRateLimitHeaders(
  response: Response,
  result: RateLimitResult,
  options?: RateLimitHeaderOptions,
): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(rateLimitHeaders(result, options))) out.headers.set(name, value);
  return out;
}

/** The parts of Node's `ServerResponse` the Express middleware uses. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Middleware for Express and Node's `http` (req, res, next): sets the headers on every
 * response, ends refused requests with a problem+json body, and hands store failures that were
 * not turned into a decision to `next(error)`.
 */
export function nodeRateLimit<Req extends object>(
  limiter: RateLimiter,
  options: MiddlewareOptions<Req>,
): (req: Req, res: NodeResponseLike, next: (error?: unknown) => void) => Promise<void> {
  checkArguments('nodeRateLimit', limiter, options);
  return async (req, res, next) => {
    // `next` is called once, outside the try: an error thrown by the rest of the chain is the
    // caller's, and calling `next(error)` after it would run the chain a second time.
    let go: boolean;
    try {
      go = await decide(req, res);
    } catch (error) {
      next(error);
      return;
    }
    if (go) next();
  };

  /** True to go on; false when the request was answered with a refusal. */
  async function decide(req: Req, res: NodeResponseLike): Promise<boolean> {
    if (options.skip?.(req)) return true;
    const result = await limiter.limit(await options.key(req), { cost: options.cost?.(req) ?? 1 });
    results.set(req, result);
    for (const [name, value] of Object.entries(rateLimitHeaders(result, options))) res.setHeader(name, value);
    if (result.allowed) return true;
    const problem = rateLimitProblem(result);
    res.statusCode = problem.status;
    res.setHeader('Content-Type', 'application/problem+json');
    res.end(JSON.stringify(problem));
    return false;
  }
}
