import * as z from 'zod';
import { adapterEntry, adapterForScheme, KV_ADAPTERS, type KvAdapterName } from '../adapters/registry.js';
import type { KvError } from '../errors.js';
import { describeValue } from '../kit/describe.js';
import { optionError } from '../kit/options.js';

export type { KvAdapterName } from '../adapters/registry.js';

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
  /** `REDIS_MAX_CONNECTIONS`: Upstash's requests in flight at once; ioredis and node-redis use one connection, so there it is only returned. */
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
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, `must be a string, got ${describeValue(value)}`);
  if (!value.isWellFormed()) throw invalid(name, 'contains a lone UTF-16 surrogate');
  return value.trim() === '' ? undefined : value.trim();
}

/** A bad variable: `kvFromEnv: <VARIABLE>: <problem>`, the format of every option error. */
function invalid(name: string, problem: string): KvError {
  return optionError('kvFromEnv', name, problem);
}

const NAMES = KV_ADAPTERS.map((e) => e.name);
const adapterSchema = z.enum(NAMES as [KvAdapterName, ...KvAdapterName[]]);
/** `a, b or c`. */
const either = (items: readonly string[]): string =>
  items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
const schemesOf = (name: KvAdapterName): string => either(adapterEntry(name).schemes.map((s) => `${s}//`));
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

/** The adapter a URL alone chooses (the first with its scheme), and its scheme. */
type UrlKind = { readonly adapter: KvAdapterName; readonly scheme: string };

function urlKind(name: string, raw: string): UrlKind {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(name, 'is not a valid URL');
  }
  const entry = adapterForScheme(url.protocol);
  if (entry !== undefined) return { adapter: entry.name, scheme: url.protocol };
  // Each scheme once, with the adapter a URL alone chooses (node-redis shares ioredis's).
  const known = KV_ADAPTERS.filter(
    (e) => e.schemes.length > 0 && e.schemes.every((s) => adapterForScheme(s) === e),
  ).map((e) => `${schemesOf(e.name)} (${e.name})`);
  throw invalid(name, `must start with ${known.join('; ')}, got ${url.protocol}//`);
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
  if (typeof env !== 'object' || env === null) {
    throw invalid('(env)', `must be an object of strings such as process.env, got ${describeValue(env)}`);
  }
  const production = read(env, 'NODE_ENV') === 'production';
  const explicit = parseWith(
    adapterSchema,
    'KV_ADAPTER',
    read(env, 'KV_ADAPTER')?.toLowerCase(),
    either(NAMES),
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
      adapter = (urls.get(first) as { kind: UrlKind }).kind.adapter;
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
  const needs = adapterEntry(adapter).env;
  if (needs !== undefined) {
    // A URL whose scheme the adapter takes: `redis://` serves ioredis and node-redis alike.
    const takes = adapterEntry(adapter).schemes;
    const name = URL_VARIABLES.find((n) => takes.includes(urls.get(n)?.kind.scheme ?? ''));
    if (name === undefined) {
      // REDIS_URL is any adapter's; the other URL variables are named for this adapter's service.
      const wrong = URL_VARIABLES.find(
        (n) => urls.has(n) && (n === needs.url || (n !== 'REDIS_URL' && needs.url !== 'REDIS_URL')),
      );
      throw invalid(
        wrong ?? needs.url,
        wrong
          ? `must be ${schemesOf(adapter)} for the ${adapter} adapter`
          : `is missing: the ${adapter} adapter needs ${needs.example}`,
      );
    }
    if (needs.token !== undefined && token === undefined)
      throw invalid(needs.token, `is missing: the ${adapter} adapter needs the REST token`);
    connect = (urls.get(name) as { raw: string }).raw;
    const problem = needs.urlProblem?.(connect);
    if (problem !== undefined) throw invalid(name, problem);
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
    token: needs?.token === undefined ? undefined : token,
  };
}
