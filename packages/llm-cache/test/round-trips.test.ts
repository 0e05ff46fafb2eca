import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmCache, type LlmCache, type LlmRequest } from '../src/index.js';

/*
 * Round trips counted on a redis-server of this file's own (INFO commandstats), so no other
 * file's commands mix in. Commands a script runs are counted under their own names (hmget,
 * hset...), so only top-level ones are compared.
 */

let server: RedisServer;
let store: KvStore;
let llm: LlmCache;
const ask = (content: string, tenant = 'small'): [LlmRequest, { tenant: string }] => [
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], params: { temperature: 0 } },
  { tenant },
];
const TOPICS = ['bread', 'tomatoes', 'earthquakes', 'vaccines', 'markets', 'tides', 'volcanoes', 'bees'];
const VERBS = ['How do', 'Why do', 'What are', 'Explain'];

beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
  llm = createLlmCache({ store, semantic: { maxEntries: 10_000 } });
  await llm.set(...withValue(ask('How do I reverse a string in Python?')));
  // A partition of 400 entries for tenant "big", 1 for tenant "small".
  let n = 0;
  for (let i = 0; i < 400; i++) {
    const topic = `${TOPICS[i % TOPICS.length]} ${i}`;
    await llm.set(
      ...withValue(ask(`${VERBS[i % VERBS.length]} ${topic} work in region number ${n++}?`, 'big')),
    );
  }
  await llm.set(...withValue(ask('How do I reverse a string in Python?', 'big')));
  // Warm the scripts: the first call of each may add an EVAL after a NOSCRIPT.
  await llm.get(...ask('What is the way to reverse a Python string?'));
});
afterAll(async () => {
  await llm?.close();
  await store?.close();
  await server?.stop();
});

function withValue([request, options]: [LlmRequest, { tenant: string }]): [
  LlmRequest,
  string,
  { tenant: string },
] {
  return [request, 'answer', options];
}

const TOP_LEVEL = [
  'evalsha',
  'evalsha_ro',
  'eval',
  'eval_ro',
  'mget',
  'get',
  'hset',
  'exists',
  'script|load',
];
const topLevel = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([name]) => TOP_LEVEL.includes(name)));

describe('commands per call on Redis', () => {
  it('an exact hit is 1 (one MGET of the entry with its generations)', async () => {
    const counts = await countCommands(server, async () => {
      expect((await llm.get(...ask('How do I reverse a string in Python?')))?.stage).toBe('exact');
    });
    expect(topLevel(counts)).toEqual({ mget: 1 });
  });

  it('a semantic lookup is 1 script, with 1 entry or 400 in the partition', async () => {
    for (const tenant of ['small', 'big']) {
      const counts = await countCommands(server, async () => {
        const hit = await llm.get(...ask('What is the way to reverse a Python string?', tenant));
        expect(hit?.stage).toBe('semantic');
      });
      // The exact tier's miss (one MGET), then the lookup: one EVALSHA_RO.
      expect(topLevel(counts)).toEqual({ mget: 1, evalsha_ro: 1 });
    }
    const miss = await countCommands(server, async () => {
      expect(await llm.get(...ask('Why do volcanoes erupt so rarely in winter?', 'big'))).toBeUndefined();
    });
    expect(topLevel(miss)).toEqual({ mget: 1, evalsha_ro: 1 });
  });

  it('a miss through getOrCall: exact read, lookup, exact write, then the index write in pending', async () => {
    let pending: Promise<void> = Promise.resolve();
    const counts = await countCommands(server, async () => {
      const r = await llm.getOrCall(ask('How do glaciers carve valleys over time?')[0], () => 'answer', {
        tenant: 'small',
      });
      expect(r.stage).toBe('miss');
      pending = r.pending;
      await pending;
    });
    // MGET (exact read), EVALSHA_RO (lookup), SET (the cache's exact write), EVALSHA (index
    // insert) and one HSET of the partition registry (the other HSETs run inside the insert).
    const sent = ['mget', 'evalsha_ro', 'set', 'evalsha', 'eval', 'eval_ro'];
    expect(Object.fromEntries(Object.entries(counts).filter(([name]) => sent.includes(name)))).toEqual({
      mget: 1,
      evalsha_ro: 1,
      set: 1,
      evalsha: 1,
    });
    expect(counts.hset).toBeGreaterThanOrEqual(1);
  });
});
