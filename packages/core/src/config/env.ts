import * as z from 'zod';
import { redisUrlProblem } from '../adapters/ioredis/url-db.js';
import type { KvError } from '../errors.js';
import { optionError } from '../kit/options.js';

/** Which adapter `kvFromEnv` builds. */
export type KvAdapterName = 'memory' | 'ioredis' | 'upstash';

/** The settings `kvFromEnv` read, for feature packages (default TTLs) and for logging. */
export interface KvEnvSettings {
  /** The adapter chosen. */
  readonly adapter: KvAdapterName;
  /** Why it was chosen: the variable that decided, e.g. `KV_ADAPTER` or `REDIS_URL`. */
  readonly chosenBy: string;
  /** True when `NODE_ENV=production`. */
  readonly production: boolean;
  /** The Redis or REST URL used (credentials removed), or undefined for memory. */
  readonly url: string | undefined;
  /** `REDIS_KEY_PREFIX`: the store is a namespace view under it. */
  readonly keyPrefix: string | undefined;
  /** `REDIS_DEFAULT_TTL` (seconds in the variable), in ms. */
  readonly defaultTtlMs: number | undefined;
  /** `REDIS_SESSION_TTL` (seconds in the variable), in ms. */
  readonly sessionTtlMs: number | undefined;
  /** `REDIS_MAX_CONNECTIONS`: a cap for callers that size pools; the adapters themselves use one connection (ioredis) or HTTP (Upstash). */
  readonly maxConnections: number | undefined;
}

/** What the adapter factories need, beyond {@link KvEnvSettings}. */
export interface KvEnvPlan {
  readonly settings: KvEnvSettings;
  /** The full URL, credentials included (never logged). */
  readonly connectUrl: string | undefined;
  /** The Upstash REST token. */
  readonly token: string | undefined;
}

/** A variable's raw value, with empty strings (common in `.env` files) treated as unset. */
function read(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A bad variable: `kvFromEnv: <VARIABLE>: <problem>`, the format of every option error. */
function invalid(name: string, problem: string): KvError {
  return optionError('kvFromEnv', name, problem);
}

const adapterSchema = z.enum(['memory', 'ioredis', 'upstash']);
const secondsSchema = z.coerce
  .number()
  .int()
  .positive()
  .max(Number.MAX_SAFE_INTEGER / 1000);
const countSchema = z.coerce.number().int().positive().max(100_000);

function parseWith<T>(
  schema: z.ZodType<T>,
  name: string,
  raw: string | undefined,
  what: string,
): T | undefined {
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid(name, `must be ${what}, got "${raw.slice(0, 40)}"`);
  return parsed.data;
}

function parseBool(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(name, `must be true or false, got "${raw.slice(0, 40)}"`);
}

type UrlKind = 'upstash' | 'ioredis';

function urlKind(name: string, raw: string): UrlKind {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(name, 'is not a valid URL');
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return 'upstash';
  if (url.protocol === 'redis:' || url.protocol === 'rediss:') return 'ioredis';
  throw invalid(
    name,
    `must start with https:// (Upstash) or redis:// / rediss:// (Redis), got ${url.protocol}//`,
  );
}

function redact(raw: string): string {
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  return url.href;
}

/** The URL variables, newest names first, with the adapter each one points to. */
const URL_VARIABLES = ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_URL', 'REDIS_URL'] as const;
const TOKEN_VARIABLES = ['UPSTASH_REDIS_REST_TOKEN', 'UPSTASH_REDIS_TOKEN'] as const;

/**
 * Decide, from environment variables alone, which store to build and with what settings.
 * Pure (no imports, no I/O) so every branch is testable; `kvFromEnv` then builds the store.
 */
export function planFromEnv(env: Record<string, string | undefined>): KvEnvPlan {
  const production = read(env, 'NODE_ENV') === 'production';
  const explicit = parseWith(
    adapterSchema,
    'KV_ADAPTER',
    read(env, 'KV_ADAPTER')?.toLowerCase(),
    'memory, ioredis or upstash',
  );
  const mock = parseBool('MOCK_REDIS', read(env, 'MOCK_REDIS'));
  if (mock === true && explicit !== undefined && explicit !== 'memory') {
    throw invalid('MOCK_REDIS', `is true but KV_ADAPTER is ${explicit}: unset one of them`);
  }

  // Every URL present is checked, even one the chosen adapter does not use: a typo should not wait for a failover to surface.
  const urls = new Map<string, { raw: string; kind: UrlKind }>();
  for (const name of URL_VARIABLES) {
    const raw = read(env, name);
    if (raw !== undefined) urls.set(name, { raw, kind: urlKind(name, raw) });
  }
  const tokenName = TOKEN_VARIABLES.find((n) => read(env, n) !== undefined);
  const token = tokenName === undefined ? undefined : read(env, tokenName);

  let adapter: KvAdapterName;
  let chosenBy: string;
  if (explicit !== undefined) {
    adapter = explicit;
    chosenBy = 'KV_ADAPTER';
  } else if (mock === true) {
    adapter = 'memory';
    chosenBy = 'MOCK_REDIS';
  } else {
    const first = URL_VARIABLES.find((n) => urls.has(n));
    if (first !== undefined) {
      adapter = (urls.get(first) as { kind: UrlKind }).kind;
      chosenBy = first;
    } else if (production) {
      throw invalid(
        'KV_ADAPTER',
        'is missing in production: set REDIS_URL, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or KV_ADAPTER=memory explicitly',
      );
    } else {
      adapter = 'memory';
      chosenBy = 'default (no store configured, NODE_ENV is not production)';
    }
  }

  let connect: string | undefined;
  if (adapter === 'ioredis') {
    const name = URL_VARIABLES.find((n) => urls.get(n)?.kind === 'ioredis');
    if (name === undefined) {
      throw invalid(
        'REDIS_URL',
        urls.has('REDIS_URL')
          ? 'must be redis:// or rediss:// for the ioredis adapter'
          : 'is missing: the ioredis adapter needs redis://host:port',
      );
    }
    connect = (urls.get(name) as { raw: string }).raw;
    if (redisUrlProblem(connect) !== undefined) throw invalid(name, redisUrlProblem(connect) as string);
  } else if (adapter === 'upstash') {
    const name = URL_VARIABLES.find((n) => urls.get(n)?.kind === 'upstash');
    if (name === undefined) {
      const wrong = URL_VARIABLES.find((n) => n !== 'REDIS_URL' && urls.has(n));
      throw invalid(
        wrong ?? 'UPSTASH_REDIS_REST_URL',
        wrong
          ? 'must be an https:// REST URL for the upstash adapter'
          : 'is missing: the upstash adapter needs https://<id>.upstash.io',
      );
    }
    if (token === undefined)
      throw invalid('UPSTASH_REDIS_REST_TOKEN', 'is missing: the upstash adapter needs the REST token');
    connect = (urls.get(name) as { raw: string }).raw;
  }

  const keyPrefix = read(env, 'REDIS_KEY_PREFIX');
  const defaultTtl = parseWith(
    secondsSchema,
    'REDIS_DEFAULT_TTL',
    read(env, 'REDIS_DEFAULT_TTL'),
    'a whole number of seconds > 0',
  );
  const sessionTtl = parseWith(
    secondsSchema,
    'REDIS_SESSION_TTL',
    read(env, 'REDIS_SESSION_TTL'),
    'a whole number of seconds > 0',
  );
  const maxConnections = parseWith(
    countSchema,
    'REDIS_MAX_CONNECTIONS',
    read(env, 'REDIS_MAX_CONNECTIONS'),
    'a whole number from 1 to 100000',
  );

  return {
    settings: Object.freeze({
      adapter,
      chosenBy,
      production,
      url: connect === undefined ? undefined : redact(connect),
      keyPrefix,
      defaultTtlMs: defaultTtl === undefined ? undefined : defaultTtl * 1000,
      sessionTtlMs: sessionTtl === undefined ? undefined : sessionTtl * 1000,
      maxConnections,
    }),
    connectUrl: connect,
    token: adapter === 'upstash' ? token : undefined,
  };
}
