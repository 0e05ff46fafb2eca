import { respCommand } from '@raptorflow/testkit';
import { describe, expect, inject, it, vi } from 'vitest';
import { kvFromEnv, planFromEnv } from '../src/config.js';
import { KV_ADAPTERS } from '../src/driver/index.js';
import { isKvError } from '../src/index.js';

const { redis, upstash } = inject('raptorflow');
const run = `cfg${Math.random().toString(36).slice(2, 8)}:`;

function failure(env: Record<string, string | undefined>): string {
  try {
    planFromEnv(env);
  } catch (error) {
    expect(isKvError(error, 'E_INVALID_OPTIONS')).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('planFromEnv: choosing the adapter', () => {
  it('defaults to memory outside production, and says so', () => {
    expect(planFromEnv({}).settings).toMatchObject({ adapter: 'memory', production: false, url: undefined });
    expect(planFromEnv({ NODE_ENV: 'test', REDIS_KEY_PREFIX: '' }).settings.chosenBy).toMatch(/default/);
  });

  it('refuses an unconfigured store in production, naming the variable; memory only when explicit', () => {
    expect(failure({ NODE_ENV: 'production' })).toMatch(/kvFromEnv: KV_ADAPTER: is missing in production/);
    expect(planFromEnv({ NODE_ENV: 'production', KV_ADAPTER: 'memory' }).settings).toMatchObject({
      adapter: 'memory',
      production: true,
      chosenBy: 'KV_ADAPTER',
    });
    expect(planFromEnv({ NODE_ENV: 'production', MOCK_REDIS: 'true' }).settings.adapter).toBe('memory');
  });

  it('follows KV_ADAPTER, case-insensitively, and refuses unknown names', () => {
    expect(planFromEnv({ KV_ADAPTER: 'IOREDIS', REDIS_URL: 'redis://127.0.0.1:6379' }).settings.adapter).toBe(
      'ioredis',
    );
    expect(failure({ KV_ADAPTER: 'redis' })).toMatch(
      /kvFromEnv: KV_ADAPTER: must be memory, ioredis, node-redis or upstash/,
    );
  });

  it('chooses node-redis only with KV_ADAPTER=node-redis; a redis:// URL alone keeps ioredis', () => {
    expect(planFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }).settings.adapter).toBe('ioredis');
    expect(
      planFromEnv({ KV_ADAPTER: 'node-redis', REDIS_URL: 'rediss://:pw@127.0.0.1:6380/2' }),
    ).toMatchObject({
      settings: { adapter: 'node-redis', chosenBy: 'KV_ADAPTER', url: 'rediss://127.0.0.1:6380/2' },
      connectUrl: 'rediss://:pw@127.0.0.1:6380/2',
    });
    expect(failure({ KV_ADAPTER: 'node-redis' })).toMatch(
      /kvFromEnv: REDIS_URL: is missing: the node-redis adapter needs redis:\/\/host:port/,
    );
    expect(failure({ KV_ADAPTER: 'node-redis', REDIS_URL: 'https://x.upstash.io' })).toMatch(
      /kvFromEnv: REDIS_URL: must be redis:\/\/ or rediss:\/\/ for the node-redis adapter/,
    );
    expect(failure({ KV_ADAPTER: 'node-redis', REDIS_URL: 'redis://h:1/cache' })).toMatch(
      /kvFromEnv: REDIS_URL: selects database "cache"/,
    );
  });

  it('infers the adapter from the URL scheme: https is Upstash, redis:// and rediss:// are ioredis', () => {
    const up = planFromEnv({
      UPSTASH_REDIS_REST_URL: 'https://eu1.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 't',
    });
    expect(up.settings).toMatchObject({ adapter: 'upstash', chosenBy: 'UPSTASH_REDIS_REST_URL' });
    expect(up.token).toBe('t');
    expect(planFromEnv({ REDIS_URL: 'rediss://:pw@host:6380' }).settings).toMatchObject({
      adapter: 'ioredis',
      url: 'rediss://host:6380',
    });
    expect(planFromEnv({ REDIS_URL: 'https://x.upstash.io', UPSTASH_REDIS_TOKEN: 'old' })).toMatchObject({
      settings: { adapter: 'upstash', chosenBy: 'REDIS_URL' },
      token: 'old',
    });
    // The old system's UPSTASH_REDIS_URL can be Upstash's TCP endpoint: its scheme decides.
    expect(planFromEnv({ UPSTASH_REDIS_URL: 'rediss://default:pw@x.upstash.io:6379' }).settings.adapter).toBe(
      'ioredis',
    );
    expect(
      planFromEnv({ UPSTASH_REDIS_URL: 'https://x.upstash.io', UPSTASH_REDIS_TOKEN: 't' }).settings.adapter,
    ).toBe('upstash');
  });

  it('keeps credentials out of settings but passes them to the adapter', () => {
    const plan = planFromEnv({ REDIS_URL: 'redis://user:secret@127.0.0.1:6379/2' });
    expect(plan.settings.url).toBe('redis://127.0.0.1:6379/2');
    expect(plan.connectUrl).toBe('redis://user:secret@127.0.0.1:6379/2');
    expect(JSON.stringify(plan.settings)).not.toContain('secret');
  });

  it('honours MOCK_REDIS and refuses it beside another explicit adapter', () => {
    expect(planFromEnv({ MOCK_REDIS: 'true', REDIS_URL: 'redis://h:1' }).settings).toMatchObject({
      adapter: 'memory',
      chosenBy: 'MOCK_REDIS',
    });
    expect(planFromEnv({ MOCK_REDIS: '0', REDIS_URL: 'redis://h:1' }).settings.adapter).toBe('ioredis');
    expect(failure({ MOCK_REDIS: 'yes' })).toMatch(/kvFromEnv: MOCK_REDIS: must be true or false/);
    expect(failure({ MOCK_REDIS: 'true', KV_ADAPTER: 'upstash' })).toMatch(
      /kvFromEnv: MOCK_REDIS: is true but KV_ADAPTER/,
    );
  });

  it('refuses missing and malformed connection settings, naming the variable', () => {
    expect(failure({ REDIS_URL: 'not a url' })).toMatch(/kvFromEnv: REDIS_URL: is not a valid URL/);
    // The schemes come from the adapter registry, each with the adapter it chooses.
    expect(failure({ REDIS_URL: 'ftp://host' })).toMatch(
      /kvFromEnv: REDIS_URL: must start with redis:\/\/ or rediss:\/\/ \(ioredis\); https:\/\/ or http:\/\/ \(upstash\), got ftp:\/\//,
    );
    expect(failure({ KV_ADAPTER: 'ioredis' })).toMatch(/kvFromEnv: REDIS_URL: is missing/);
    expect(failure({ KV_ADAPTER: 'ioredis', REDIS_URL: 'https://x.upstash.io' })).toMatch(
      /kvFromEnv: REDIS_URL: must be redis:\/\//,
    );
    expect(failure({ KV_ADAPTER: 'upstash' })).toMatch(/kvFromEnv: UPSTASH_REDIS_REST_URL: is missing/);
    expect(failure({ KV_ADAPTER: 'upstash', UPSTASH_REDIS_URL: 'rediss://x:6379' })).toMatch(
      /kvFromEnv: UPSTASH_REDIS_URL: must be https:\/\/ or http:\/\/ for the upstash adapter/,
    );
    expect(failure({ UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' })).toMatch(
      /kvFromEnv: UPSTASH_REDIS_REST_TOKEN: is missing/,
    );
    // A URL the chosen adapter does not use is still checked.
    expect(failure({ KV_ADAPTER: 'memory', REDIS_URL: 'redis//typo' })).toMatch(/REDIS_URL/);
  });

  it('parses TTLs in seconds, pool size and prefix; refuses bad values', () => {
    const { settings } = planFromEnv({
      REDIS_KEY_PREFIX: 'app:',
      REDIS_DEFAULT_TTL: '3600',
      REDIS_SESSION_TTL: ' 86400 ',
      REDIS_MAX_CONNECTIONS: '20',
    });
    expect(settings).toMatchObject({
      keyPrefix: 'app:',
      defaultTtlMs: 3_600_000,
      sessionTtlMs: 86_400_000,
      maxConnections: 20,
    });
    for (const bad of ['0', '-5', '1.5', 'ten', '1e400']) {
      expect(failure({ REDIS_DEFAULT_TTL: bad })).toMatch(
        /kvFromEnv: REDIS_DEFAULT_TTL: must be a whole number of seconds/,
      );
      expect(failure({ REDIS_SESSION_TTL: bad })).toMatch(/kvFromEnv: REDIS_SESSION_TTL: must be/);
      expect(failure({ REDIS_MAX_CONNECTIONS: bad })).toMatch(/kvFromEnv: REDIS_MAX_CONNECTIONS: must be/);
    }
    expect(failure({ REDIS_MAX_CONNECTIONS: '1000000' })).toMatch(/REDIS_MAX_CONNECTIONS/);
  });
});

describe('planFromEnv reads the adapter registry', () => {
  it('accepts every registry name in KV_ADAPTER and lists them all when refusing one', () => {
    const names = KV_ADAPTERS.map((a) => a.name);
    expect(failure({ KV_ADAPTER: 'nope' })).toContain(`${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
    for (const adapter of KV_ADAPTERS) {
      const env: Record<string, string> = { KV_ADAPTER: adapter.name };
      const scheme = adapter.schemes[0];
      if (adapter.env !== undefined && scheme !== undefined) env[adapter.env.url] = `${scheme}//127.0.0.1:1`;
      if (adapter.env?.token !== undefined) env[adapter.env.token] = 't';
      expect(planFromEnv(env).settings.adapter).toBe(adapter.name);
    }
  });

  it('chooses by every scheme of the registry, and names the adapter variable when it is missing', () => {
    for (const adapter of KV_ADAPTERS) {
      for (const scheme of adapter.schemes) {
        const env = { REDIS_URL: `${scheme}//127.0.0.1:1`, UPSTASH_REDIS_REST_TOKEN: 't' };
        // A URL alone chooses the first adapter with its scheme (node-redis shares ioredis's);
        // KV_ADAPTER chooses any adapter that takes the scheme.
        const first = KV_ADAPTERS.find((a) => a.schemes.includes(scheme))?.name;
        expect(planFromEnv(env).settings).toMatchObject({ adapter: first, chosenBy: 'REDIS_URL' });
        expect(planFromEnv({ ...env, KV_ADAPTER: adapter.name }).settings.adapter).toBe(adapter.name);
      }
      if (adapter.env !== undefined)
        expect(failure({ KV_ADAPTER: adapter.name })).toMatch(
          new RegExp(`kvFromEnv: ${adapter.env.url}: is missing: the ${adapter.name} adapter needs`),
        );
    }
  });
});

describe('kvFromEnv: building the store', () => {
  it('builds memory with a prefix view whose close() closes the store', async () => {
    const { store, settings } = await kvFromEnv({ MOCK_REDIS: 'true', REDIS_KEY_PREFIX: 'p:' });
    expect(settings.adapter).toBe('memory');
    expect(store.name).toBe('memory');
    expect(store.prefix).toBe('p:');
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await store.close();
    await expect(store.get('k')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('builds ioredis from REDIS_URL (the adapter loads on demand)', async () => {
    const { store, settings } = await kvFromEnv({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: run });
    try {
      expect(settings.adapter).toBe('ioredis');
      expect(store.name).toBe('ioredis');
      await store.set('io', 'x');
      expect(await respCommand(redis.host, redis.port, ['GET', `${run}io`])).toBe('x');
    } finally {
      await store.close();
    }
  });

  it('builds node-redis from KV_ADAPTER=node-redis and REDIS_URL', async () => {
    const { store, settings } = await kvFromEnv({
      KV_ADAPTER: 'node-redis',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: run,
    });
    try {
      expect(settings.adapter).toBe('node-redis');
      expect(store.name).toBe('node-redis');
      await store.set('nr', 'y');
      expect(await respCommand(redis.host, redis.port, ['GET', `${run}nr`])).toBe('y');
    } finally {
      await store.close();
      await respCommand(redis.host, redis.port, ['DEL', `${run}nr`]);
    }
  });

  it('builds upstash from UPSTASH_REDIS_REST_URL and _TOKEN', async () => {
    const { store, settings } = await kvFromEnv({
      NODE_ENV: 'production',
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      REDIS_KEY_PREFIX: run,
    });
    try {
      expect(settings).toMatchObject({ adapter: 'upstash', production: true });
      expect(store.name).toBe('upstash');
      await store.set('up', '123');
      expect(await respCommand(redis.host, redis.port, ['GET', `${run}up`])).toBe('123');
      expect(await store.get('up')).toBe('123');
    } finally {
      await store.close();
      await respCommand(redis.host, redis.port, ['DEL', `${run}io`, `${run}up`]);
    }
  });

  it('reads globalThis.process.env by default', async () => {
    vi.stubEnv('KV_ADAPTER', 'memory');
    vi.stubEnv('REDIS_KEY_PREFIX', 'from-process-env:');
    try {
      const { settings, store } = await kvFromEnv();
      expect(settings).toMatchObject({
        adapter: 'memory',
        chosenBy: 'KV_ADAPTER',
        keyPrefix: 'from-process-env:',
      });
      await store.close();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
