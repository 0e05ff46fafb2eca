import { KvError } from '@raptorflow/core';
import { describeValue } from '@raptorflow/core/kit';
import type { RateLimitResult } from './result.js';

/** A result from a limiter (the shape the helpers read), or `E_INVALID_ARGUMENT`, never a TypeError. */
function checkResult(where: string, result: unknown): void {
  const r = result as RateLimitResult | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.policies) || typeof r.reason !== 'string') {
    throw new KvError(
      'E_INVALID_ARGUMENT',
      `${where}: result: must be a RateLimitResult, got ${describeValue(result)}`,
    );
  }
  for (const p of r.policies) {
    if (typeof p !== 'object' || p === null)
      throw new KvError(
        'E_INVALID_ARGUMENT',
        `${where}: result.policies: must hold objects, got ${describeValue(p)}`,
      );
  }
}

/** Options of {@link rateLimitHeaders}. */
export interface RateLimitHeaderOptions {
  /**
   * IETF fields to write: `draft-10` writes `RateLimit-Policy` and `RateLimit` as structured
   * field lists (draft-ietf-httpapi-ratelimit-headers-10; the syntax is unchanged since -08),
   * `false` writes none. @default 'draft-10'
   */
  standard?: 'draft-10' | false | undefined;
  /** Write `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds). @default true */
  legacy?: boolean | undefined;
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

/**
 * The response headers for a result: the IETF `RateLimit-Policy` and `RateLimit` fields (one
 * list item per policy), the legacy `X-RateLimit-*` trio and, on rejection, `Retry-After`.
 * Results without trustworthy numbers (`store-error`, `timeout`) get no quota headers.
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  options: RateLimitHeaderOptions = {},
): Record<string, string> {
  checkResult('rateLimitHeaders', result);
  const headers: Record<string, string> = {};
  const standard = (options as RateLimitHeaderOptions | null)?.standard ?? 'draft-10';
  const trustworthy = result.reason !== 'store-error' && result.reason !== 'timeout';
  if (trustworthy && standard === 'draft-10') {
    const policy: string[] = [];
    const state: string[] = [];
    for (const p of result.policies) {
      // `w` is an integer number of seconds; sub-second windows are described by `q` alone.
      policy.push(`"${p.name}";q=${p.limit}${p.window % 1000 === 0 ? `;w=${p.window / 1000}` : ''}`);
      const wait = p.retryAfter > 0 && Number.isFinite(p.retryAfter) ? p.retryAfter : p.resetAfter;
      state.push(`"${p.name}";r=${p.remaining};t=${seconds(wait)}`);
    }
    headers['RateLimit-Policy'] = policy.join(', ');
    headers.RateLimit = state.join(', ');
  }
  if (trustworthy && ((options as RateLimitHeaderOptions | null)?.legacy ?? true)) {
    headers['X-RateLimit-Limit'] = String(result.limit);
    headers['X-RateLimit-Remaining'] = String(result.remaining);
    headers['X-RateLimit-Reset'] = String(seconds(result.now + result.resetAfter));
  }
  if (!result.allowed && result.retryAfter > 0 && Number.isFinite(result.retryAfter)) {
    headers['Retry-After'] = String(seconds(result.retryAfter));
  }
  return headers;
}

/** An RFC 9457 problem details object. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Names of the policies that rejected the call (draft-10 problem types). */
  'violated-policies'?: string[];
}

const TYPES = 'https://iana.org/assignments/http-problem-types';

/**
 * The RFC 9457 body for a rejected result: `quota-exceeded` (429) when a limit or penalty
 * rejected the call, `temporary-reduced-capacity` (503) when the store failed closed.
 */
export function rateLimitProblem(result: RateLimitResult): ProblemDetails {
  checkResult('rateLimitProblem', result);
  if (result.reason === 'store-error' || result.reason === 'timeout') {
    return {
      type: `${TYPES}#temporary-reduced-capacity`,
      title: 'Temporary reduced capacity',
      status: 503,
      detail: 'The rate limiter cannot reach its store; try again later.',
    };
  }
  const violated = result.policies.filter((p) => p.retryAfter > 0).map((p) => p.name);
  const retry = Number.isFinite(result.retryAfter)
    ? `Retry in ${seconds(result.retryAfter)} s.`
    : 'This request is larger than the quota allows.';
  return {
    type: `${TYPES}#quota-exceeded`,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: 429,
    detail:
      result.reason === 'blocked' || result.reason === 'cache-block'
        ? `Temporarily blocked. ${retry}`
        : retry,
    'violated-policies': violated.length > 0 ? violated : result.policies.map((p) => p.name),
  };
}

/** A complete rejection response for Fetch-API handlers: problem+json with every header. */
export function rateLimitResponse(result: RateLimitResult, options?: RateLimitHeaderOptions): Response {
  const problem = rateLimitProblem(result);
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json', ...rateLimitHeaders(result, options) },
  });
}
