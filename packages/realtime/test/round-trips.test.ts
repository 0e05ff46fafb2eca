import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createRealtime, type Realtime } from '../src/index.js';

/*
 * Commands per call, counted on a redis-server of this file's own (INFO commandstats), so no
 * other file's commands mix in. Commands run inside a script count under their own names (incr,
 * zadd...), so only the top-level ones are compared.
 */
let server: RedisServer;
let store: KvStore;
let realtime: Realtime;
const Msg = z.object({ n: z.number() });

beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
  realtime = createRealtime({ store });
  // Load the scripts once: the first call of each may add an EVAL after a NOSCRIPT.
  const ws = realtime.workspace('warm');
  await ws.channel('c', Msg).publish({ n: 0 });
  await ws.presence('r').touch('m');
  await ws.presence('r').list();
});
afterAll(async () => {
  await realtime.close();
  await store.close();
  await server.stop();
});

const TOP_LEVEL = new Set(['evalsha', 'eval', 'publish', 'get', 'zrangebyscore', 'zrem', 'subscribe']);
const topLevel = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([name]) => TOP_LEVEL.has(name)));

describe('commands per call on Redis', () => {
  it('publish: one EVALSHA and one PUBLISH; replayAfter: one pipelined GET + ZRANGEBYSCORE', async () => {
    const chat = realtime.workspace('acme').channel('chat', Msg);
    expect(topLevel(await countCommands(server, () => chat.publish({ n: 1 })))).toEqual({
      evalsha: 1,
      publish: 1,
    });
    expect(topLevel(await countCommands(server, () => chat.replayAfter(0)))).toEqual({
      get: 1,
      zrangebyscore: 1,
    });
    expect(topLevel(await countCommands(server, () => chat.lastId()))).toEqual({ get: 1 });
  });

  it('subscribe: one SUBSCRIBE per channel per process, whatever the number of handlers', async () => {
    const news = realtime.workspace('acme').channel('news', Msg);
    const counts = await countCommands(server, async () => {
      const subs = await Promise.all([news.subscribe(() => undefined), news.subscribe(() => undefined)]);
      await Promise.all(subs.map((s) => s.unsubscribe()));
    });
    expect(topLevel(counts)).toEqual({ subscribe: 1 });
  });

  it('presence: touch, leave and list are one command each', async () => {
    const room = realtime.workspace('acme').presence('lobby');
    expect(topLevel(await countCommands(server, () => room.touch('ada')))).toEqual({ evalsha: 1 });
    expect(topLevel(await countCommands(server, () => room.list()))).toEqual({ evalsha: 1 });
    expect(topLevel(await countCommands(server, () => room.leave('ada')))).toEqual({ zrem: 1 });
  });
});
