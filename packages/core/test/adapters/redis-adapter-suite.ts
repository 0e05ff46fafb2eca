// The behaviour both Redis adapters (ioredis, node-redis) promise alike, run against a
// redis-server of the calling file's own (counting, pausing and killing connections must not
// disturb other files): round trips counted by INFO commandstats, failures mapped to the same
// KvError codes, and pub/sub on its own connection. Each adapter's file keeps what differs.
import {
  commandStats,
  diffCommandStats,
  findFreePort,
  type RedisServer,
  respCommand,
  startFaultProxy,
} from '@raptorflow/testkit';
import { describe, expect, it } from 'vitest';
import { defineScript, type KvStore, type Script } from '../../src/index.js';
import { until } from '../../src/testing/index.js';

export interface RedisAdapterSuite {
  /** `ioredis`, `node-redis`: the titles' prefix. */
  readonly name: string;
  /** The calling file's own server, started in its `beforeAll`. */
  readonly own: () => RedisServer;
  /** A store of the adapter on `host`/`port` with these options, closed by the calling file. */
  readonly open: (options: { host: string; port: number } & Record<string, unknown>) => KvStore;
}

export const incrWithTtl: Script<number> = defineScript<number>({
  name: 'incr-with-ttl',
  keys: 1,
  lua: "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return c",
  twin: () => 0,
});

export function runRedisAdapterSuite({ name, own, open }: RedisAdapterSuite): void {
  const ownStore = (options: Record<string, unknown> = {}): KvStore =>
    open({ host: own().host, port: own().port, ...options });
  const stats = () => commandStats(own().host, own().port);
  const onOwn = (argv: string[]) => respCommand(own().host, own().port, argv);

  describe(`${name} adapter: round trips`, () => {
    it('one GET is exactly one server command', async () => {
      const store = ownStore();
      await store.set('rt:a', 'x');
      const before = await stats();
      expect(await store.get('rt:a')).toBe('x');
      const delta = diffCommandStats(before, await stats());
      expect(Object.fromEntries(delta)).toEqual({ get: 1 });
    });

    it('a SET, with or without options, is exactly one server command with its reply intact', async () => {
      const store = ownStore();
      await store.del('rt:s');
      const before = await stats();
      expect(await store.set('rt:s', '1')).toBe(true);
      expect(await store.set('rt:s', '2', { nx: true })).toBe(false);
      expect(await store.set('rt:s', '3', { ttl: 60_000, xx: true })).toBe(true);
      expect(await store.getSet('rt:s', '4')).toBe('3');
      expect(await store.get('rt:s')).toBe('4');
      expect(await store.get('rt:missing')).toBeNull();
      const delta = diffCommandStats(before, await stats());
      expect(Object.fromEntries(delta)).toEqual({ set: 4, get: 2 });
    });

    it('sends EVAL on first use, EVALSHA after, and falls back to EVAL on NOSCRIPT', async () => {
      const store = ownStore();
      const count = async (run: () => Promise<unknown>): Promise<unknown[]> => {
        const before = await stats();
        await run();
        const delta = diffCommandStats(before, await stats());
        return [delta.get('evalsha'), delta.get('eval')];
      };
      await onOwn(['SCRIPT', 'FLUSH']);
      expect(await count(() => store.eval(incrWithTtl, ['ns:a'], [1000]))).toEqual([undefined, 1]);
      expect(await count(() => store.eval(incrWithTtl, ['ns:a'], [1000]))).toEqual([1, undefined]);
      await onOwn(['SCRIPT', 'FLUSH']);
      let reply: unknown;
      expect(
        await count(async () => {
          reply = await store.eval(incrWithTtl, ['ns:a'], [1000]);
        }),
      ).toEqual([1, 1]);
      expect(reply).toBe(3);
      expect(await count(() => store.eval(incrWithTtl, ['ns:a'], [1000]))).toEqual([1, undefined]);
    });

    it('falls back to EVAL on NOSCRIPT inside a batch', async () => {
      const store = ownStore();
      await store.eval(incrWithTtl, ['nsb:warm'], [1000]);
      await onOwn(['SCRIPT', 'FLUSH']);
      const before = await stats();
      const out = await store
        .batch()
        .eval(incrWithTtl, ['nsb:a'], [1000])
        .get('nsb:none')
        .eval(incrWithTtl, ['nsb:b'], [1000])
        .exec();
      expect(out).toEqual([1, null, 1]);
      const delta = diffCommandStats(before, await stats());
      expect([delta.get('evalsha'), delta.get('eval'), delta.get('get')]).toEqual([2, 2, 1]);
    });

    it('keeps batch order for a script not loaded yet (EVAL in place, no retry)', async () => {
      const store = ownStore();
      await onOwn(['SCRIPT', 'FLUSH']);
      const before = await stats();
      const out = await store.batch().eval(incrWithTtl, ['ord:a'], [1000]).get('ord:a').exec();
      expect(out).toEqual([1, '1']);
      const delta = diffCommandStats(before, await stats());
      expect([delta.get('evalsha'), delta.get('eval')]).toEqual([undefined, 1]);
    });
  });

  describe(`${name} adapter: failures`, () => {
    it('gives E_CONNECTION quickly for an unreachable Redis, with no unhandled rejection', {
      timeout: 5000,
    }, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const port = await findFreePort();
        const store = open({ host: '127.0.0.1', port });
        await expect(store.get('x')).rejects.toMatchObject({ name: 'KvError', code: 'E_CONNECTION' });
        await expect(store.batch().get('x').set('y', '1').execSettled()).resolves.toMatchObject([
          { ok: false, error: { code: 'E_CONNECTION' } },
          { ok: false, error: { code: 'E_CONNECTION' } },
        ]);
        await store.close();
        await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
    });

    it('gives E_TIMEOUT when the server does not answer within commandTimeoutMs', async () => {
      const store = ownStore({ commandTimeoutMs: 100 });
      await store.ping();
      // Writes paused far longer than the deadline, and unpaused once the call failed: no race with
      // the clock (a WRITE pause lets CLIENT UNPAUSE through; an ALL pause would hold it too).
      await onOwn(['CLIENT', 'PAUSE', '60000', 'WRITE']);
      try {
        await expect(store.set('t', 'x')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
      } finally {
        await onOwn(['CLIENT', 'UNPAUSE']);
      }
      expect(await store.set('t2', 'y')).toBe(true);
      expect(await store.get('t2')).toBe('y');
    });

    it('closes over a connection that went silent with a command in flight', async () => {
      const proxy = await startFaultProxy({ target: { host: own().host, port: own().port } });
      try {
        const store = open({ host: proxy.host, port: proxy.port, socketTimeoutMs: 300 });
        await store.set('silent-close', '1');
        expect(proxy.stallOpen()).toBe(1);
        const pending = store.get('silent-close').catch((error: unknown) => error);
        // Closing waits for the call in flight; the silent-connection watch ends it.
        await store.close();
        expect(await pending).toMatchObject({ name: 'KvError' });
      } finally {
        await proxy.stop();
      }
    });

    it('maps server errors through fromReplyError', async () => {
      const store = ownStore();
      await store.set('wt', 'x');
      await expect(store.lpush('wt', 'y')).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
      await expect(store.incrBy('wt', 1)).rejects.toMatchObject({ code: 'E_NOT_A_NUMBER' });
    });

    it('gives E_CLOSED after close and closes the client it created', async () => {
      const store = ownStore();
      await store.ping();
      await store.close();
      await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
      await expect(store.eval(incrWithTtl, ['x'], [1])).rejects.toMatchObject({ code: 'E_CLOSED' });
      await expect(store.batch().get('x').exec()).rejects.toMatchObject({ code: 'E_CLOSED' });
      await expect(store.publish('c', 'm')).rejects.toMatchObject({ code: 'E_CLOSED' });
    });
  });

  describe(`${name} adapter: pub/sub`, () => {
    const clientCount = (kind: string): Promise<number> =>
      onOwn(['CLIENT', 'LIST', 'TYPE', kind]).then(
        (list) =>
          String(list)
            .split('\n')
            .filter((l) => l.trim().length > 0).length,
      );

    it('delivers messages, counts receivers and releases the connection with the last subscription', async () => {
      const store = ownStore();
      const got: string[] = [];
      const a = await store.subscribe('ch1', (m, c) => got.push(`a:${c}:${m}`));
      const b = await store.subscribe(['ch1', 'ch2'], (m, c) => got.push(`b:${c}:${m}`));
      expect(await clientCount('pubsub')).toBe(1);
      expect(await store.publish('ch1', 'one')).toBe(1);
      expect(await store.publish('ch2', 'two')).toBe(1);
      await until(() => got.length === 3);
      expect(got.sort()).toEqual(['a:ch1:one', 'b:ch1:one', 'b:ch2:two']);
      await a.unsubscribe();
      expect(await store.publish('ch1', 'three')).toBe(1);
      await b.unsubscribe();
      expect(await store.publish('ch1', 'four')).toBe(0);
      await until(async () => (await clientCount('pubsub')) === 0);
    });

    it('calls resubscribed after the subscriber connection is killed, and receives again', async () => {
      const store = ownStore();
      const got: string[] = [];
      let resubscribed = 0;
      const sub = await store.driver.subscribe?.(['rs'], (m) => got.push(m), {
        resubscribed: () => {
          resubscribed++;
        },
      });
      await onOwn(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
      await until(() => resubscribed === 1);
      expect(await store.publish('rs', 'after')).toBe(1);
      await until(() => got.length === 1);
      expect(got).toEqual(['after']);
      await sub?.unsubscribe();
    });
  });
}
