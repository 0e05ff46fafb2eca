import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { planFromEnv } from '../../src/config.js';
import { isKvError, type KvStore } from '../../src/index.js';
import { expectCode } from '../../src/testing/index.js';

const { redis } = inject('raptorflow');
const base = `redis://${redis.host}:${redis.port}`;
const stores: KvStore[] = [];
const raw = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
const prefix = `ioredis-db:${process.pid}:`;

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  raw.disconnect();
});

function refused(build: () => unknown): string {
  try {
    const store = build();
    // Built anyway (the bug): close it so its failing SELECT cannot outlive the test.
    if (store && typeof (store as KvStore).close === 'function') stores.push(store as KvStore);
  } catch (error) {
    expect(isKvError(error, 'E_INVALID_OPTIONS')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected E_INVALID_OPTIONS at construction');
}

describe('ioredis adapter: the database of a URL (issue 20, finding 1)', () => {
  it('refuses a database that is not a whole number, in the path or in ?db=', () => {
    expect(refused(() => ioredisAdapter({ url: `${base}/abc` }))).toMatch(/ioredisAdapter: url: .*database/);
    expect(refused(() => ioredisAdapter({ url: `${base}/?db=abc` }))).toMatch(
      /ioredisAdapter: url: .*database/,
    );
    expect(refused(() => ioredisAdapter({ url: `${base}/1.5` }))).toMatch(/database/);
    expect(refused(() => ioredisAdapter({ url: `${base}/-1` }))).toMatch(/database/);
  });

  it('refuses a URL database that contradicts the db option', () => {
    expect(refused(() => ioredisAdapter({ url: `${base}/2`, db: 3 }))).toMatch(/ioredisAdapter: db: /);
  });

  it('refuses REDIS_URL=redis://host:6379/cache in planFromEnv, naming the variable', () => {
    expect(refused(() => planFromEnv({ REDIS_URL: `${base}/cache` }))).toMatch(
      /kvFromEnv: REDIS_URL: .*database/,
    );
    expect(planFromEnv({ REDIS_URL: `${base}/3` }).settings.adapter).toBe('ioredis');
  });

  it('uses a valid URL database: the path, else ?db=', async () => {
    const viaPath = ioredisAdapter({ url: `${base}/4` });
    const viaQuery = ioredisAdapter({ url: `${base}?db=5` });
    stores.push(viaPath, viaQuery);
    await viaPath.set(`${prefix}path`, 'p');
    await viaQuery.set(`${prefix}query`, 'q');
    await raw.select(4);
    expect(await raw.get(`${prefix}path`)).toBe('p');
    await raw.select(5);
    expect(await raw.get(`${prefix}query`)).toBe('q');
    await raw.del(`${prefix}query`);
    await raw.select(4);
    await raw.del(`${prefix}path`);
  });
});

describe('ioredis adapter: a database the server lacks (issue 20, finding 2)', () => {
  it('fails every call with E_INVALID_OPTIONS and never writes to db 0', async () => {
    // The test server has Redis's default 16 databases.
    const store = ioredisAdapter({ url: `${base}/99999` });
    stores.push(store);
    const key = `${prefix}lost`;
    const [set, batch, get] = await Promise.allSettled([
      store.set(key, 'v'),
      store.batch().set(`${key}:b`, 'v').exec(),
      store.get(key),
    ]);
    for (const result of [set, batch, get]) {
      expect(result.status).toBe('rejected');
      expect(isKvError((result as PromiseRejectedResult).reason, 'E_INVALID_OPTIONS')).toBe(true);
    }
    expect((set as PromiseRejectedResult).reason.message).toMatch(/99999/);
    // Later calls fail the same way, without a new attempt.
    await expectCode(store.set(key, 'again'), 'E_INVALID_OPTIONS');
    await raw.select(0);
    expect(await raw.exists(key, `${key}:b`)).toBe(0);
  });
});
