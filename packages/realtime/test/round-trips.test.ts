import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { countClientCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createRealtime, type Realtime } from '../src/index.js';

/*
 * Commands per call that the client sent (`countClientCommands`: not those a script runs
 * inside itself), counted on a redis-server of this file's own, so no other file's commands mix in.
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

describe('commands per call on Redis', () => {
  it('publish: one EVALSHA and one PUBLISH; replayAfter: one pipelined GET + ZRANGEBYSCORE', async () => {
    const chat = realtime.workspace('acme').channel('chat', Msg);
    expect(await countClientCommands(server, () => chat.publish({ n: 1 }))).toEqual({
      evalsha: 1,
      publish: 1,
    });
    expect(await countClientCommands(server, () => chat.replayAfter(0))).toEqual({
      get: 1,
      zrangebyscore: 1,
    });
    expect(await countClientCommands(server, () => chat.lastId())).toEqual({ get: 1 });
  });

  it('subscribe: one SUBSCRIBE per channel per process, whatever the number of handlers', async () => {
    const news = realtime.workspace('acme').channel('news', Msg);
    const counts = await countClientCommands(server, async () => {
      const subs = await Promise.all([news.subscribe(() => undefined), news.subscribe(() => undefined)]);
      await Promise.all(subs.map((s) => s.unsubscribe()));
    });
    // The last unsubscribe releases the subscriber connection: one QUIT.
    expect(counts).toEqual({ subscribe: 1, quit: 1 });
  });

  it('presence: touch, leave and list are one command each', async () => {
    const room = realtime.workspace('acme').presence('lobby');
    expect(await countClientCommands(server, () => room.touch('ada'))).toEqual({ evalsha: 1 });
    expect(await countClientCommands(server, () => room.list())).toEqual({ evalsha: 1 });
    expect(await countClientCommands(server, () => room.leave('ada'))).toEqual({ zrem: 1 });
  });
});
