import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { respCommand } from '../src/index.js';

const { upstash, redis: direct } = inject('raptorflow');
const run = `up:${Math.random().toString(36).slice(2, 8)}:`;

/** The three client configurations users run: defaults, plain JSON, and no JSON parsing. */
const CLIENTS = {
  default: () => new Redis({ url: upstash.url, token: upstash.token }),
  'responseEncoding: false': () =>
    new Redis({ url: upstash.url, token: upstash.token, responseEncoding: false }),
  'automaticDeserialization: false': () =>
    new Redis({ url: upstash.url, token: upstash.token, automaticDeserialization: false }),
} as const;

afterAll(async () => {
  const keys = await respCommand(direct.host, direct.port, ['KEYS', `${run}*`]);
  if (Array.isArray(keys) && keys.length > 0)
    await respCommand(direct.host, direct.port, ['DEL', ...(keys as string[])]);
});

describe.each(Object.entries(CLIENTS))('real @upstash/redis client (%s)', (label, make) => {
  const redis = make();
  const raw = label.startsWith('automaticDeserialization');
  const k = (name: string) => `${run}${label.length}:${name}`;

  it('round-trips strings, numbers, JSON-looking values and unicode', async () => {
    const unicode = 'żółć 🚀 \u0000 中文 "quoted"';
    expect(await redis.set(k('s'), 'hello', { ex: 100 })).toBe('OK');
    await redis.set(k('n'), '123');
    await redis.set(k('j'), '{"a":1}');
    await redis.set(k('u'), unicode);
    expect(await redis.get(k('s'))).toBe('hello');
    expect(await redis.get(k('n'))).toBe(raw ? '123' : 123);
    expect(await redis.get(k('j'))).toEqual(raw ? '{"a":1}' : { a: 1 });
    expect(await redis.get(k('u'))).toBe(unicode);
    expect(await redis.get(k('missing'))).toBeNull();
    expect(await redis.ttl(k('s'))).toBeGreaterThan(90);
    expect(await redis.incrbyfloat(k('f'), 1.5)).toBe(raw ? '1.5' : 1.5);
    // Stored bytes straight from Redis read back exactly.
    await respCommand(direct.host, direct.port, ['SET', k('direct'), 'plain ✓']);
    expect(await redis.get(k('direct'))).toBe('plain ✓');
  });

  it('returns RESP2 shapes: flat arrays for hgetall and zrange WITHSCORES, nil in arrays', async () => {
    await redis.hset(k('h'), { a: 'x', b: '2' });
    expect(await redis.hgetall(k('h'))).toEqual(raw ? ['a', 'x', 'b', '2'] : { a: 'x', b: 2 });
    await redis.zadd(k('z'), { score: 1.5, member: 'm1' }, { score: 2, member: 'm2' });
    expect(await redis.zrange(k('z'), 0, -1, { withScores: true })).toEqual(
      raw ? ['m1', '1.5', 'm2', '2'] : ['m1', 1.5, 'm2', 2],
    );
    expect(await redis.mget(k('s'), k('nope'))).toEqual(['hello', null]);
    expect(await redis.ping()).toBe('PONG');
  });

  it('runs explicit pipelines and reports a failing entry in place', async () => {
    const p = redis.pipeline();
    p.set(k('p1'), 'v');
    p.incr(k('p1'));
    p.get(k('p1'));
    const results = await p.exec({ keepErrors: true });
    expect(results[0]?.result).toBe('OK');
    expect(results[1]?.error).toMatch(/not an integer/);
    expect(results[2]?.result).toBe('v');
  });

  it('runs multi-exec: a runtime failure is reported in place, the others still run', async () => {
    await redis.set(k('str'), 'text');
    const m = redis.multi();
    m.set(k('t1'), '1');
    m.lpush(k('str'), 'x');
    m.incr(k('t1'));
    const results = await m.exec({ keepErrors: true });
    expect(results[0]?.result).toBe('OK');
    expect(results[1]?.error).toMatch(/^WRONGTYPE/);
    expect(results[2]?.result).toBe(2);
  });

  it('reports a discarded transaction as an error and applies nothing', async () => {
    const m = redis.multi();
    m.set(k('ea1'), 'a');
    // An unknown command is a queue-time error: Redis discards the whole transaction.
    m.hset(k('ea2'), {});
    await expect(m.exec()).rejects.toThrow(/EXECABORT/);
    expect(await redis.exists(k('ea1'))).toBe(0);
  });

  it('runs eval and evalsha, and createScript falls back from NOSCRIPT to EVAL', async () => {
    const body = `return {KEYS[1], ARGV[1], redis.call('SET', KEYS[1], ARGV[1])} -- ${label}`;
    expect(await redis.eval(body, [k('e')], ['v1'])).toEqual([k('e'), 'v1', 'OK']);
    const script = redis.createScript<string>(`return redis.call('GET', KEYS[1]) -- ${run}${label}`);
    expect(await script.exec([k('e')], [])).toBe('v1');
    expect(await redis.evalsha(await script.sha1, [k('e')], [])).toBe('v1');
    await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('subscribes over server-sent events and receives published messages', async () => {
    const channel = `${run}${label.length}:chan`;
    const sub = redis.subscribe<unknown>(channel);
    const received: unknown[] = [];
    const subscribed = new Promise<void>((resolve) => sub.on('subscribe', () => resolve()));
    const done = new Promise<void>((resolve) =>
      sub.on('message', ({ message }) => {
        received.push(message);
        if (received.length === 2) resolve();
      }),
    );
    await subscribed;
    expect(await redis.publish(channel, 'with, commas, inside')).toBe(1);
    await redis.publish(channel, '{"a":1}');
    await done;
    await sub.unsubscribe();
    expect(received).toEqual(['with, commas, inside', raw ? '{"a":1}' : { a: 1 }]);
  });
});

describe('real client against the server: auth and auto-pipelining', () => {
  it('rejects a wrong token with Unauthorized', async () => {
    const bad = new Redis({ url: upstash.url, token: 'wrong', retry: { retries: 0 } });
    await expect(bad.get('x')).rejects.toThrow(/Unauthorized/);
  });

  it('serves 20 concurrent auto-pipelined writes and reads', async () => {
    const redis = new Redis({ url: upstash.url, token: upstash.token });
    const keys = Array.from({ length: 20 }, (_, i) => `${run}conc:${i}`);
    await Promise.all(keys.map((key, i) => redis.set(key, `v${i}`)));
    expect(await Promise.all(keys.map((key) => redis.get(key)))).toEqual(keys.map((_, i) => `v${i}`));
  });
});
