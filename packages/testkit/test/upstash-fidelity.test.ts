// Upstash behaviours the local server copies beyond the plain protocol, checked through the real
// `@upstash/redis` client (and raw HTTP where the client has no call for it): the read-your-writes
// sync token, SCAN … WITHTYPE, COPY onto itself, and path-style commands.
import { Redis, type RedisConfigNodejs } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { respCommand } from '../src/index.js';
import { startUpstashServer, type UpstashServer } from '../src/upstash/index.js';

const { redis: direct } = inject('raptorflow');
const run = `upf:${Math.random().toString(36).slice(2, 8)}:`;
// A server of this file's own: its sync token counts only the writes made here, while other
// files use the shared one at the same time.
let server: UpstashServer;

beforeAll(async () => {
  server = await startUpstashServer({ redisUrl: direct.url });
});

afterAll(async () => {
  await server?.stop();
  const keys = await respCommand(direct.host, direct.port, ['KEYS', `${run}*`]);
  if (Array.isArray(keys) && keys.length > 0)
    await respCommand(direct.host, direct.port, ['DEL', ...(keys as string[])]);
});

const client = (options: Omit<RedisConfigNodejs, 'url' | 'token'> = {}) =>
  new Redis({ url: server.url, token: server.token, ...options });

async function call(
  method: string,
  path: string,
  options: { body?: string; token?: string | null; base64?: boolean } = {},
): Promise<{ status: number; body: unknown; sync: string | null }> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? server.token}`;
  if (options.base64) headers['Upstash-Encoding'] = 'base64';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: options.body });
  return { status: res.status, body: await res.json(), sync: res.headers.get('upstash-sync-token') };
}

describe('local Upstash server: read-your-writes sync token', () => {
  it('grows after a write and only then; the client carries it between requests', async () => {
    const redis = client();
    expect(redis.readYourWritesSyncToken).toBe('');
    await redis.get(`${run}ryw`);
    const first = Number(redis.readYourWritesSyncToken);
    expect(Number.isInteger(first)).toBe(true);
    await redis.set(`${run}ryw`, 'one');
    const afterWrite = Number(redis.readYourWritesSyncToken);
    expect(afterWrite).toBeGreaterThan(first);
    await redis.get(`${run}ryw`);
    await redis.exists(`${run}ryw`);
    expect(Number(redis.readYourWritesSyncToken)).toBe(afterWrite);
    await redis.incr(`${run}ryw-n`);
    expect(Number(redis.readYourWritesSyncToken)).toBeGreaterThan(afterWrite);
  });

  it('hands over between clients: a second client given the token reads the write', async () => {
    const writer = client();
    await writer.set(`${run}handover`, { v: 42 });
    const reader = client();
    reader.readYourWritesSyncToken = writer.readYourWritesSyncToken;
    expect(await reader.get(`${run}handover`)).toEqual({ v: 42 });
    expect(reader.readYourWritesSyncToken).toBe(writer.readYourWritesSyncToken);
  });

  it('counts each write of a pipeline or transaction, nothing for a discarded transaction or a read', async () => {
    const json = (body: unknown) => JSON.stringify(body);
    const start = Number((await call('POST', '/', { body: json(['ping']) })).sync);
    const pipeline = await call('POST', '/pipeline', {
      body: json([
        ['set', `${run}c1`, 'a'],
        ['get', `${run}c1`],
        ['del', `${run}c1`],
      ]),
    });
    expect(Number(pipeline.sync)).toBe(start + 2);
    const multi = await call('POST', '/multi-exec', {
      body: json([
        ['hset', `${run}c2`, 'f', '1'],
        ['hget', `${run}c2`, 'f'],
      ]),
    });
    expect(Number(multi.sync)).toBe(start + 3);
    const discarded = await call('POST', '/multi-exec', {
      body: json([
        ['set', `${run}c3`, 'x'],
        ['hset', `${run}c3`],
      ]),
    });
    expect(discarded.status).toBe(400);
    expect(Number(discarded.sync)).toBe(start + 3);
    const read = await call('POST', '/', { body: json(['mget', `${run}c1`, `${run}c2`]) });
    expect(Number(read.sync)).toBe(start + 3);
  });
});

describe('local Upstash server: SCAN … WITHTYPE', () => {
  const types = { str: 'string', hash: 'hash', list: 'list', set: 'set', zset: 'zset', stream: 'stream' };

  beforeAll(async () => {
    const redis = client();
    await redis.set(`${run}t:str`, 'x');
    await redis.hset(`${run}t:hash`, { a: 1 });
    await redis.rpush(`${run}t:list`, 'x');
    await redis.sadd(`${run}t:set`, 'x');
    await redis.zadd(`${run}t:zset`, { score: 1, member: 'x' });
    await redis.xadd(`${run}t:stream`, '*', { a: '1' });
  });

  async function scanAll(redis: Redis, match: string): Promise<Record<string, string>> {
    const found: Record<string, string> = {};
    let cursor: string | number = 0;
    for (let i = 0; i < 1000; i++) {
      const [next, keys]: [string, { key: string; type: string }[]] = await redis.scan(cursor, {
        match,
        count: 100,
        withType: true,
      });
      for (const { key, type } of keys) found[key] = type;
      cursor = next;
      if (String(next) === '0') return found;
    }
    throw new Error('SCAN did not finish in 1000 pages');
  }

  it('answers every key with its type, through the client (default and plain JSON)', async () => {
    const expected = Object.fromEntries(Object.entries(types).map(([k, t]) => [`${run}t:${k}`, t]));
    expect(await scanAll(client(), `${run}t:*`)).toEqual(expected);
    expect(await scanAll(client({ responseEncoding: false }), `${run}t:*`)).toEqual(expected);
  });

  it("has Upstash's shape on the wire, in a pipeline too: [cursor, [key, type, …]]", async () => {
    const body = JSON.stringify([['scan', '0', 'match', `${run}t:str`, 'count', 1000, 'withtype']]);
    const res = await call('POST', '/pipeline', { body });
    expect(res.body).toEqual([{ result: [expect.any(String), [`${run}t:str`, 'string']] }]);
    const p = client().pipeline();
    p.scan(0, { match: `${run}t:h*`, count: 1000, withType: true });
    p.get(`${run}t:str`);
    const [scan, value] = await p.exec();
    expect(scan).toEqual([expect.anything(), [{ key: `${run}t:hash`, type: 'hash' }]]);
    expect(value).toBe('x');
  });

  it('keeps plain SCAN and SCAN TYPE as Redis answers them', async () => {
    const [, keys] = await client().scan(0, { match: `${run}t:*`, count: 1000, type: 'list' });
    expect(keys).toEqual([`${run}t:list`]);
  });
});

describe('local Upstash server: COPY onto itself', () => {
  it('answers 0 (not copied), as Upstash, where redis-server 7.0 answers an error', async () => {
    const redis = client();
    await redis.set(`${run}copy`, 'v');
    expect(await redis.copy(`${run}copy`, `${run}copy`)).toBe('NOT_COPIED');
    expect(await redis.copy(`${run}copy-missing`, `${run}copy-missing`)).toBe('NOT_COPIED');
    expect(await redis.copy(`${run}copy`, `${run}copy-2`)).toBe('COPIED');
    expect(await redis.get(`${run}copy-2`)).toBe('v');
    // Redis itself refuses it: the server, not Redis, gives the 0.
    const refused = await respCommand(direct.host, direct.port, ['COPY', `${run}copy`, `${run}copy`]);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/source and destination objects are the same/);
  });

  it('keeps its place in a transaction', async () => {
    const m = client().multi();
    m.copy(`${run}copy`, `${run}copy`);
    m.get(`${run}copy`);
    expect(await m.exec()).toEqual(['NOT_COPIED', 'v']);
  });
});

describe('local Upstash server: path-style commands', () => {
  it("runs the calls Upstash's docs show: GET /set/foo/bar, GET /get/foo", async () => {
    expect(await call('GET', `/set/${run}foo/bar`)).toMatchObject({ status: 200, body: { result: 'OK' } });
    expect(await call('GET', `/get/${run}foo`)).toMatchObject({ status: 200, body: { result: 'bar' } });
    expect(await call('POST', `/get/${run}foo`)).toMatchObject({ status: 200, body: { result: 'bar' } });
    // The client reads the same key.
    expect(await client().get(`${run}foo`)).toBe('bar');
  });

  it('appends a POST body as the last argument and query parameters after it', async () => {
    const value = 'a body with / and spaces ✓';
    expect((await call('POST', `/set/${run}body?EX=100`, { body: value })).body).toEqual({ result: 'OK' });
    expect(await client().get(`${run}body`)).toBe(value);
    expect((await call('GET', `/ttl/${run}body`)).body).toEqual({ result: expect.any(Number) });
    expect(((await call('GET', `/ttl/${run}body`)).body as { result: number }).result).toBeGreaterThan(90);
  });

  it('percent-decodes segments, honours base64 encoding and the _token parameter', async () => {
    await call('GET', `/set/${encodeURIComponent(`${run}a b/c`)}/${encodeURIComponent('x/y ü')}`);
    expect(await client().get(`${run}a b/c`)).toBe('x/y ü');
    const encoded = await call('GET', `/get/${encodeURIComponent(`${run}a b/c`)}`, { base64: true });
    expect(encoded.body).toEqual({ result: Buffer.from('x/y ü').toString('base64') });
    const viaQuery = await call('GET', `/get/${run}foo?_token=${server.token}`, { token: null });
    expect(viaQuery).toMatchObject({ status: 200, body: { result: 'bar' } });
    expect((await call('GET', `/get/${run}foo?_token=wrong`, { token: null })).status).toBe(401);
    expect((await call('GET', `/get/${run}foo`, { token: 'wrong' })).status).toBe(401);
  });

  it('answers errors as JSON: Redis errors 400, GET on the JSON endpoints 405', async () => {
    expect(await call('GET', `/incr/${run}foo`)).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/not an integer/) },
      sync: expect.any(String),
    });
    expect((await call('GET', '/pipeline')).status).toBe(405);
    expect((await call('GET', '/')).status).toBe(405);
    expect((await call('GET', '/subscribe/x')).status).toBe(405);
    expect(await call('GET', '/echo/hi')).toMatchObject({ status: 200, body: { result: 'hi' } });
  });
});
