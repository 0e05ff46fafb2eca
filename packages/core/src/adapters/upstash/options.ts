import { z } from 'zod';
import { KvError } from '../../errors.js';
import { ADAPTER } from './transport.js';

const MIB = 1024 * 1024;

/** The URL check `@upstash/redis` applies, so both paths accept the same URLs. */
const URL_PATTERN = /^https?:\/\/[^\s#$./?].\S*$/;

/** Settings shared by both ways of building the adapter. */
const common = {
  /** A request (one `/pipeline` call) without an answer after this many ms fails with `E_TIMEOUT`; its effect is unknown. @default 10000 */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Most commands in one `/pipeline` request; a batch is never split. @default 1000 */
  maxCommandsPerRequest: z.number().int().positive().max(100_000).default(1000),
  /** Largest value accepted, in bytes of UTF-8 (Upstash's limit depends on the plan). @default 1048576 (1 MiB) */
  maxValueBytes: z.number().int().positive().default(MIB),
  /** Longest pause between reconnection attempts of a subscription stream, in ms. @default 2000 */
  maxReconnectDelayMs: z.number().int().positive().default(2000),
};

/**
 * Options of `upstashAdapter` when it talks to the REST endpoint itself (no `@upstash/redis`
 * needed). Validated once with zod; a bad option is `E_INVALID_OPTIONS` naming the field.
 */
export const upstashOptionsSchema = z.strictObject({
  /** REST URL, `UPSTASH_REDIS_REST_URL` (https://…, or http://127.0.0.1:… for the local server). */
  url: z.string().regex(URL_PATTERN, 'must be an http(s) URL'),
  /** REST token, `UPSTASH_REDIS_REST_TOKEN`. */
  token: z.string().min(1, 'must not be empty'),
  /** Ask for base64-encoded replies (`Upstash-Encoding: base64`), as `@upstash/redis` does by default. @default true */
  base64: z.boolean().default(true),
  /** Send and keep Upstash's read-your-writes sync token. @default true */
  readYourWrites: z.boolean().default(true),
  /** The `fetch` to use. @default globalThis.fetch */
  fetch: z.custom<typeof fetch>((v) => typeof v === 'function', 'must be a function').optional(),
  ...common,
});

/** Settings when a ready `@upstash/redis` client is passed as `client`. */
export const upstashClientOptionsSchema = z.strictObject({
  /** A `Redis` from `@upstash/redis` (any settings: its JSON deserialisation is bypassed). */
  client: z.custom<object>((v) => typeof v === 'object' && v !== null, 'must be a Redis client'),
  ...common,
});

/** Input of `upstashAdapter` options (what a user writes). */
export type UpstashAdapterOptions =
  | z.input<typeof upstashOptionsSchema>
  | z.input<typeof upstashClientOptionsSchema>;

/** Options after validation and defaults. */
export type ResolvedUpstashOptions =
  | z.output<typeof upstashOptionsSchema>
  | z.output<typeof upstashClientOptionsSchema>;

/** Validate options once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseUpstashOptions(input: unknown): ResolvedUpstashOptions {
  const withClient = typeof input === 'object' && input !== null && 'client' in input;
  const parsed = (withClient ? upstashClientOptionsSchema : upstashOptionsSchema).safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : '(options)';
  throw new KvError('E_INVALID_OPTIONS', `upstashAdapter: ${field}: ${issue?.message ?? 'invalid'}`, {
    adapter: ADAPTER,
    cause: parsed.error,
  });
}
