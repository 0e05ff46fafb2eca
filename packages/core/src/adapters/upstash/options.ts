import type { Redis } from '@upstash/redis';
import * as z from 'zod';
import { parseOptions } from '../../kit/options.js';

const MIB = 1024 * 1024;

/** The URL check `@upstash/redis` applies, so both paths accept the same URLs. */
const URL_PATTERN = /^https?:\/\/[^\s#$./?].\S*$/;

/** Settings shared by both ways of building the adapter. */
export interface UpstashCommonOptions {
  /** A request (one `/pipeline` call) without an answer after this many ms fails with `E_TIMEOUT`; its effect is unknown. @default 10000 */
  timeoutMs?: number | undefined;
  /**
   * Requests in flight at once (`REDIS_MAX_CONNECTIONS` through `kvFromEnv`). Keys are spread over
   * this many lanes by hash tag; each lane keeps its commands in issue order. 1 keeps every call
   * in issue order. More lanes cost a `fetch` each: against the local REST server, 8 lanes at 64 in
   * flight did 0.19x the gets/s of one lane (client CPU per get 227 vs 33 µs); they pay off where a
   * slow request must not hold back the others (a large value, a far region). @default 1
   */
  maxConcurrentRequests?: number | undefined;
  /** Most commands in one `/pipeline` request; a batch is never split. @default 1000 */
  maxCommandsPerRequest?: number | undefined;
  /** Largest value accepted, in bytes of UTF-8 (Upstash's limit depends on the plan). @default 1048576 (1 MiB) */
  maxValueBytes?: number | undefined;
  /** Longest pause between reconnection attempts of a subscription stream, in ms. @default 2000 */
  maxReconnectDelayMs?: number | undefined;
}

/** Options when the adapter talks to the REST endpoint itself with `fetch` (no `@upstash/redis` needed). */
export interface UpstashRestOptions extends UpstashCommonOptions {
  /** REST URL, `UPSTASH_REDIS_REST_URL` (https://…, or http://127.0.0.1:… for the local server). */
  url: string;
  /** REST token, `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  /** Ask for base64-encoded replies (`Upstash-Encoding: base64`), as `@upstash/redis` does by default. @default true */
  base64?: boolean | undefined;
  /** Send and keep Upstash's read-your-writes sync token. @default true */
  readYourWrites?: boolean | undefined;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
}

/** Options when a ready `@upstash/redis` client is passed. */
export interface UpstashClientOptions extends UpstashCommonOptions {
  /** A `Redis` from `@upstash/redis`, with any settings: its JSON deserialisation is bypassed. */
  client: Redis;
}

/** Input of `upstashAdapter` options (what a user writes). */
export type UpstashAdapterOptions = UpstashRestOptions | UpstashClientOptions;

type Defaults = Required<Pick<UpstashCommonOptions, keyof UpstashCommonOptions>>;

/** REST options after validation and defaults. */
export type ResolvedUpstashRestOptions = Defaults &
  Required<Pick<UpstashRestOptions, 'url' | 'token' | 'base64' | 'readYourWrites'>> & {
    fetch?: typeof fetch | undefined;
  };

/** Client options after validation and defaults. */
export type ResolvedUpstashClientOptions = Defaults & { client: Redis };

/** Options after validation and defaults. */
export type ResolvedUpstashOptions = ResolvedUpstashRestOptions | ResolvedUpstashClientOptions;

const common = {
  timeoutMs: z.number().int().positive().default(10_000),
  maxConcurrentRequests: z.number().int().positive().max(256).default(1),
  maxCommandsPerRequest: z.number().int().positive().max(100_000).default(1000),
  maxValueBytes: z.number().int().positive().default(MIB),
  maxReconnectDelayMs: z.number().int().positive().default(2000),
};

/** The zod schema of {@link UpstashRestOptions}. */
export const upstashOptionsSchema: z.ZodType<ResolvedUpstashRestOptions, UpstashRestOptions> = z.strictObject(
  {
    url: z.string().regex(URL_PATTERN, 'must be an http(s) URL'),
    token: z.string().min(1, 'must not be empty'),
    base64: z.boolean().default(true),
    readYourWrites: z.boolean().default(true),
    fetch: z.custom<typeof fetch>((v) => typeof v === 'function', 'must be a function').optional(),
    ...common,
  },
);

/** The zod schema of {@link UpstashClientOptions}. */
export const upstashClientOptionsSchema: z.ZodType<ResolvedUpstashClientOptions, UpstashClientOptions> =
  z.strictObject({
    client: z.custom<Redis>((v) => typeof v === 'object' && v !== null, 'must be a Redis client'),
    ...common,
  });

/** Validate options once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseUpstashOptions(input: unknown): ResolvedUpstashOptions {
  const withClient = typeof input === 'object' && input !== null && 'client' in input;
  return parseOptions(
    'upstashAdapter',
    withClient ? upstashClientOptionsSchema : upstashOptionsSchema,
    input,
  );
}
