export type { Duration, StoreFailurePolicy } from '@raptorflow/core/kit';
export type { LimitCallOptions, PeekCallOptions } from './call.js';
export {
  type ClientAddressOptions,
  clientAddress,
  type IpKeyOptions,
  ipKey,
  type TrustedProxies,
  trustedProxies,
} from './client-ip.js';
export type {
  RateLimitEventDetail,
  RateLimitOperation,
  RateLimitOutcome,
} from './events.js';
export {
  type ProblemDetails,
  type RateLimitHeaderOptions,
  rateLimitHeaders,
  rateLimitProblem,
  rateLimitResponse,
} from './headers.js';
export {
  type CheckRateLimitOptions,
  type CheckRateLimitParams,
  type CheckRateLimitResult,
  createCheckRateLimit,
} from './legacy.js';
export { createRateLimiter, type RateLimiter } from './limiter.js';
export {
  fetchRateLimit,
  getRateLimitResult,
  type MiddlewareOptions,
  type NodeResponseLike,
  nodeRateLimit,
  withRateLimitHeaders,
} from './middleware.js';
export type {
  LimitPolicy,
  RateLimiterOptions,
  ResolvedOptions,
  ResolvedPolicy,
  StoreErrorPolicy,
} from './options.js';
export type { PolicyResult, RateLimitReason, RateLimitResult } from './result.js';
export {
  type AlgorithmName,
  encodeMany,
  encodeRateLimitArgs,
  type ManyCall,
  type ManyReply,
  parseOutcome,
  RATE_LIMIT_MANY_SCRIPTS,
  RATE_LIMIT_SCRIPTS,
  type RateLimitCall,
  type ScriptOutcome,
} from './scripts/index.js';
