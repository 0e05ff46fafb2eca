import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { until } from '@raptorflow/core/testing';
import { countClientCommands, countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocks, type Locks } from '../src/index.js';

/*
 * Round trips counted on a redis-server of this file's own (INFO commandstats), so no other
 * file's commands mix in: acquire, release and extend are one EVALSHA each, the fencing token
 * included. `countClientCommands` counts what the client sent; `countCommands` also the
 * commands the scripts ran (set, incr...).
 */

let server: RedisServer;
let store: KvStore;
let locks: Locks;
beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
  locks = createLocks({ store, ttl: '30s', wait: 0 });
  // Load the scripts once: the first call of each may add an EVAL after a NOSCRIPT.
  const warm = await locks.acquire('warm');
  await warm.extend();
  await warm.release();
});
afterAll(async () => {
  await locks.close();
  await store.close();
  await server.stop();
});

describe('commands per call on Redis', () => {
  it('acquire 1, extend 1, release 1 (one EVALSHA each, the fencing token inside)', async () => {
    let lock: Awaited<ReturnType<Locks['acquire']>> | undefined;
    expect(await countClientCommands(server, async () => (lock = await locks.acquire('r')))).toEqual({
      evalsha: 1,
    });
    expect(await countClientCommands(server, () => lock?.extend('1m') as Promise<void>)).toEqual({
      evalsha: 1,
    });
    expect(await countClientCommands(server, () => lock?.release() as Promise<void>)).toEqual({
      evalsha: 1,
    });
  });

  it('acquire + release is 6 server commands, as redlock (EXISTS, SET / GET, DEL), the fence included', async () => {
    let lock: Awaited<ReturnType<Locks['acquire']>> | undefined;
    const acquire = await countCommands(server, async () => (lock = await locks.acquire('six')));
    const release = await countCommands(server, () => lock?.release() as Promise<void>);
    // Inside the scripts: SET NX PX and INCR (the fencing token); GET and one DEL (the lock and
    // the waiters flag together).
    expect(acquire).toEqual({ evalsha: 1, set: 1, incr: 1 });
    expect(release).toEqual({ evalsha: 1, get: 1, del: 1 });
  });

  it('a refused acquire (wait 0) is one EVALSHA; a release nobody waits for publishes nothing', async () => {
    const held = await locks.acquire('busy');
    const other = createLocks({ store, wait: 0 });
    const counts = await countClientCommands(server, () => other.acquire('busy').catch(() => undefined));
    expect(counts).toEqual({ evalsha: 1 });
    expect(await countClientCommands(server, () => held.release())).toEqual({ evalsha: 1 });
    await other.close();
  });

  it('a second caller of the same instance waits in-process: no command until its turn, then 1', async () => {
    const held = await locks.acquire('local');
    const counts = await countClientCommands(server, async () => {
      const next = locks.acquire('local', { wait: '1m' });
      await until(() => locks.waiting === 1);
      await held.release();
      await (await next).release();
    });
    // The holder's release, the waiter's acquire and release: no refused attempt, no PUBLISH.
    expect(counts).toEqual({ evalsha: 3 });
  });

  it('a multi-resource lock is still one EVALSHA per call', async () => {
    const grouped = createLocks({ store, wait: 0, group: () => 'g' });
    let lock: Awaited<ReturnType<Locks['acquire']>> | undefined;
    expect(
      await countClientCommands(server, async () => (lock = await grouped.acquire(['a', 'b', 'c']))),
    ).toEqual({
      evalsha: 1,
    });
    expect(lock?.fences).toEqual([1, 1, 1]);
    await countCommands(server, () => lock?.extend() as Promise<void>); // loads EXTEND
    expect(await countClientCommands(server, () => lock?.extend() as Promise<void>)).toEqual({
      evalsha: 1,
    });
    expect(await countClientCommands(server, () => lock?.release() as Promise<void>)).toEqual({
      evalsha: 1,
    });
  });

  it('waiting costs 3 attempts and one PUBLISH however long the hold; 10 ms polling one per tick', async () => {
    const holder = await locks.acquire('contended');
    const polling = createLocks({ store, wait: 0 });
    const POLLS = 30;
    const other = createLocks({ store, wait: 0 });
    const counts = await countCommands(server, async () => {
      const waiter = other.acquire('contended', { wait: '2m', retry: { minDelay: '1m', maxDelay: '1m' } });
      await until(() => other.waiting === 1);
      // While it sleeps, redis-semaphore's default shape beside it: an attempt every 10 ms.
      for (let i = 0; i < POLLS; i++) {
        await polling.acquire('contended').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 10));
      }
      await holder.release();
      await (await waiter).release();
    });
    // Ours: a refused attempt, one more right after subscribing, one after the wake-up; plus
    // the holder's and the waiter's releases. The rest is the polling loop.
    expect(counts.evalsha).toBe(3 + 2 + POLLS);
    expect(counts.publish).toBe(1);
    await other.close();
    await polling.close();
  });
});
