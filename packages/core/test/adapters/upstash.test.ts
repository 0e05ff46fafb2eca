import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { commandStats, diffCommandStats, respCommand, startRedis } from '@raptorflow/testkit';
import { startUpstashServer } from '@raptorflow/testkit/upstash';
import { Redis } from '@upstash/redis';
import * as vitest from 'vitest';
import { afterAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { upstashAdapter, upstashDriver } from '../../src/adapters/upstash.js';
import { createStore } from '../../src/driver/index.js';
import { defineScript, isKvError, type KvStore } from '../../src/index.js';
import { runConformance, until } from '../../src/testing/index.js';

const { upstash, redis: direct } = inject('raptorflow');
const run = `uad:${Math.random().toString(36).slice(2, 8)}:`;
const stores: KvStore[] = [];

function track(store: KvStore): KvStore {
  stores.push(store);
  return store;
}

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  const keys = await respCommand(direct.host, direct.port, ['KEYS', `${run}*`]);
  if (Array.isArray(keys) && keys.length > 0)
    await respCommand(direct.host, direct.port, ['DEL', ...(keys as string[])]);
});

runConformance({
  name: 'upstash (local REST server, fetch transport)',
  create: () => upstashAdapter({ url: upstash.url, token: upstash.token }),
  runner: vitest,
});
runConformance({
  name: 'upstash (local REST server, real @upstash/redis client)',
  create: () => upstashAdapter(new Redis({ url: upstash.url, token: upstash.token })),
  runner: vitest,
});

const VARIANTS = {
  'fetch transport (url, token)': () => upstashAdapter({ url: upstash.url, token: upstash.token }),
  'fetch transport, plain JSON': () =>
    upstashAdapter({ url: upstash.url, token: upstash.token, base64: false }),
  'real client, defaults': () => upstashAdapter(new Redis({ url: upstash.url, token: upstash.token })),
  'real client, responseEncoding: false': () =>
    upstashAdapter(new Redis({ url: upstash.url, token: upstash.token, responseEncoding: false })),
  'real client, automaticDeserialization: false': () =>
    upstashAdapter({
      client: new Redis({ url: upstash.url, token: upstash.token, automaticDeserialization: false }),
    }),
};

describe.each(Object.entries(VARIANTS))('upstash adapter: %s', (label, make) => {
  const store = track(make()).namespace(`${run}${label.length}:`);

  it('returns exact strings whatever the client would deserialise', async () => {
    const values = [
      '123',
      '1.0',
      '{"a":1}',
      '"quoted"',
      'true',
      'null',
      'OK',
      'żółć 🚀\u0000',
      '9007199254740993',
    ];
    await store.mset(Object.fromEntries(values.map((v, i) => [`v${i}`, v])));
    expect(await store.mget(values.map((_, i) => `v${i}`))).toEqual(values);
    for (const [i, v] of values.entries()) expect(await store.get(`v${i}`)).toBe(v);
    await store.hset('h', { n: '123', j: '[1,2]' });
    expect(await store.hgetall('h')).toEqual({ n: '123', j: '[1,2]' });
    expect(await store.incrBy('n', 5)).toBe(5);
    expect(await store.incrByFloat('f', 1.5)).toBe(1.5);
    await store.zadd('z', [{ member: '10', score: 1.5 }]);
    expect(await store.zrangeByScoreWithScores('z', 0, 2)).toEqual([{ member: '10', score: 1.5 }]);
  });

  it('keeps one caller’s concurrent writes and reads in order', async () => {
    const results = await Promise.all([
      store.set('o', 'first'),
      store.get('o'),
      store.set('o', 'second'),
      store.get('o'),
      store.del('o'),
      store.get('o'),
    ]);
    expect(results).toEqual([true, 'first', true, 'second', 1, null]);
  });

  it('maps server errors to stable codes', async () => {
    await store.set('s', 'text');
    await expect(store.lpush('s', 'x')).rejects.toMatchObject({ code: 'E_WRONG_TYPE', adapter: 'upstash' });
    await expect(store.incrBy('s', 1)).rejects.toMatchObject({ code: 'E_NOT_A_NUMBER' });
  });

  it('scans with SCAN inside a namespace', async () => {
    await store.mset({ 'sc:1': 'a', 'sc:2': 'b', other: 'c' });
    const keys: string[] = [];
    for await (const key of store.scan({ match: 'sc:*', count: 1 })) keys.push(key);
    expect(keys.sort()).toEqual(['sc:1', 'sc:2']);
  });

  it('publishes and receives exact payloads over the subscription stream', async () => {
    const got: Array<[string, string]> = [];
    const payloads = ['123', '{"a":1}', 'a, b, c', 'two\nlines'];
    let resolve!: () => void;
    const all = new Promise<void>((r) => {
      resolve = r;
    });
    const sub = await store.subscribe('chan', (message, channel) => {
      got.push([message, channel]);
      if (got.length === payloads.length) resolve();
    });
    for (const p of payloads) expect(await store.publish('chan', p)).toBe(1);
    await all;
    await sub.unsubscribe();
    expect(got).toEqual(payloads.map((p) => [p, 'chan']));
  });
});

describe('upstash adapter: round trips and scripts', () => {
  it('sends concurrent calls in one request, never two requests at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const bodies: string[][][] = [];
    const counting: typeof fetch = async (input, init) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      bodies.push(JSON.parse(String(init?.body)) as string[][]);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const store = track(upstashAdapter({ url: upstash.url, token: upstash.token, fetch: counting }));
    const key = `${run}counter`;
    const first = Array.from({ length: 10 }, () => store.incrBy(key, 1));
    // Issued while the first request is in flight: they wait and share the next request.
    await new Promise((r) => setTimeout(r, 0));
    const second = Array.from({ length: 10 }, () => store.incrBy(key, 1));
    expect(await Promise.all([...first, ...second])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(maxInFlight).toBe(1);
    expect(bodies.length).toBeLessThanOrEqual(2);
    expect(bodies.flat().map((c) => c[0])).toEqual(Array(20).fill('INCRBY'));
  });

  it('runs a batch in one /pipeline request with failures in place', async () => {
    const driver = upstashDriver({ url: upstash.url, token: upstash.token });
    const store = track(upstashAdapterFromDriver(driver));
    const before = driver.requests;
    const settled = await store
      .batch()
      .set(`${run}b1`, 'v')
      .incrBy(`${run}b1`, 1)
      .get(`${run}b1`)
      .execSettled();
    expect(driver.requests - before).toBe(1);
    expect(settled[0]).toEqual({ ok: true, value: true });
    expect(settled[1]).toMatchObject({ ok: false, error: { code: 'E_NOT_A_NUMBER' } });
    expect(settled[2]).toEqual({ ok: true, value: 'v' });
  });

  it('runs a new script by EVAL, in one request with the calls around it, then by EVALSHA', async () => {
    const script = defineScript<string | null>({
      name: 'getset-upstash',
      keys: 1,
      lua: `local old = redis.call('GET', KEYS[1]) redis.call('SET', KEYS[1], ARGV[1]) return old -- ${run}`,
      twin: () => null,
    });
    // A Redis of its own: EVAL and EVALSHA calls are counted, and other files run scripts too.
    const own = await startRedis();
    const server = await startUpstashServer({ redisUrl: own.url });
    onTestFinished(async () => {
      await server.stop();
      await own.stop();
    });
    const driver = upstashDriver({ url: server.url, token: server.token });
    const store = track(upstashAdapterFromDriver(driver));
    const key = `${run}script`;
    const before = await commandStats(own.host, own.port);
    const requests = driver.requests;
    const [a, b, c] = await Promise.all([
      store.eval(script, [key], ['1']),
      store.get(key),
      store.eval(script, [key], ['2']),
    ]);
    expect([a, b, c]).toEqual([null, '1', '1']);
    expect(await store.eval(script, [key], ['3'])).toBe('2');
    const delta = diffCommandStats(before, await commandStats(own.host, own.port));
    // EVAL, GET, EVAL in one request (the script was not accepted yet), then EVALSHA: two
    // requests, where EVALSHA first took three (EVALSHA, NOSCRIPT; EVAL, GET, EVALSHA; EVALSHA).
    expect(driver.requests - requests).toBe(2);
    expect(delta.get('eval')).toBe(2);
    expect(delta.get('evalsha')).toBe(1);
    // Three GETs inside the script runs and the caller's one.
    expect(delta.get('get')).toBe(4);
  });
});

/** The store facade on a driver we keep a handle on, to read its request counter. */
function upstashAdapterFromDriver(driver: ReturnType<typeof upstashDriver>): KvStore {
  return track(createStore(driver));
}

describe('upstash adapter: failures', () => {
  it('rejects bad options with E_INVALID_OPTIONS naming the field', () => {
    expect(() => upstashAdapter({ url: 'ftp://x', token: 't' })).toThrow(/upstashAdapter: url: /);
    expect(() => upstashAdapter({ url: 'https://x.upstash.io', token: '' })).toThrow(
      /upstashAdapter: token: /,
    );
    expect(() => upstashAdapter({ url: 'https://x.upstash.io', token: 't', timeoutMs: 0 })).toThrow(
      /upstashAdapter: timeoutMs: /,
    );
    let caught: unknown;
    try {
      upstashAdapter({ url: 'https://x.upstash.io', token: 't', nope: 1 } as never);
    } catch (error) {
      caught = error;
    }
    expect(isKvError(caught, 'E_INVALID_OPTIONS')).toBe(true);
    expect((caught as Error).message).toContain('upstashAdapter: nope: is not an option');
    expect(() => upstashAdapter({ client: {} as never })).toThrow(
      'upstashAdapter: client: must be a Redis from @upstash/redis',
    );
  });

  it('maps a wrong token to a server error and an unreachable endpoint to E_CONNECTION', async () => {
    const bad = track(upstashAdapter({ url: upstash.url, token: 'wrong' }));
    await expect(bad.get('x')).rejects.toMatchObject({ code: 'E_COMMAND', message: /Unauthorized/ });
    const dead = track(upstashAdapter({ url: 'http://127.0.0.1:1', token: 't' }));
    await expect(dead.get('x')).rejects.toMatchObject({ code: 'E_CONNECTION' });
    const client = new Redis({ url: 'http://127.0.0.1:1', token: 't', retry: { retries: 0 } });
    await expect(track(upstashAdapter(client)).get('x')).rejects.toMatchObject({ code: 'E_CONNECTION' });
    await expect(bad.subscribe('c', () => {})).rejects.toMatchObject({ message: /Unauthorized/ });
  });

  it('maps a request without an answer to E_TIMEOUT, on both transports', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const store = track(upstashAdapter({ url, token: 't', timeoutMs: 150 }));
      await expect(store.get('x')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
      const viaClient = track(upstashAdapter({ client: new Redis({ url, token: 't' }), timeoutMs: 150 }));
      await expect(viaClient.get('x')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('fails calls after close with E_CLOSED', async () => {
    const store = upstashAdapter({ url: upstash.url, token: upstash.token });
    await store.close();
    await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('reopens a dropped subscription stream and reports resubscribed', async () => {
    const first = await startUpstashServer({ redisUrl: direct.url, token: 'rt' });
    let second: Awaited<ReturnType<typeof startUpstashServer>> | undefined;
    try {
      const driver = upstashDriver({ url: first.url, token: 'rt', maxReconnectDelayMs: 100 });
      let resubscribed = 0;
      const got: string[] = [];
      const sub = await driver.subscribe?.([`${run}rs`], (m) => got.push(m), {
        resubscribed: () => resubscribed++,
      });
      await first.stop();
      second = await startUpstashServer({ redisUrl: direct.url, token: 'rt', port: first.port });
      await until(() => resubscribed > 0);
      expect(resubscribed).toBe(1);
      await respCommand(direct.host, direct.port, ['PUBLISH', `${run}rs`, 'after']);
      await until(() => got.length > 0);
      expect(got).toEqual(['after']);
      await sub?.unsubscribe();
      await driver.close();
    } finally {
      await second?.stop();
    }
  });
});
