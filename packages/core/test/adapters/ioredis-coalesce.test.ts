import { type RedisCluster, type RedisServer, startCluster, startRedis } from '@raptorflow/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WRITE_ARGS } from '../../src/adapters/ioredis/coalesce.js';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { defineScript, isKvError, type KvStore } from '../../src/index.js';

/*
 * The ioredis driver corks the socket for one turn of the event loop (see `coalesce.ts`): the
 * commands of a turn leave together, in writes of at most MAX_WRITE_ARGS arguments. These tests
 * count the socket's writes (its `_write` / `_writev` calls, each one system call) on servers of
 * their own.
 */

/** The writes commands of these argument counts take, issued in one turn: batches filled in order. */
function writesFor(argcs: readonly number[]): number {
  let writes = 0;
  let size = 0;
  for (const n of argcs) {
    if (writes === 0 || size + n > MAX_WRITE_ARGS) {
      writes++;
      size = 0;
    }
    size += n;
  }
  return writes;
}

let redis: RedisServer;
let cluster: RedisCluster;
const stores: KvStore[] = [];
const clients: Array<Redis | Cluster> = [];
const prefix = `coalesce-test:${process.pid}:`;

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startCluster()]);
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  for (const c of clients) c.disconnect();
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

interface Socketish {
  writableCorked: number;
  _write: (...args: unknown[]) => unknown;
  _writev?: (...args: unknown[]) => unknown;
}

/** Count the writes that reach a socket from now on. */
function countWrites(stream: unknown): { readonly writes: number } {
  const s = stream as Socketish;
  const counter = { writes: 0 };
  const write = s._write;
  s._write = function (this: unknown, ...args: unknown[]) {
    counter.writes++;
    return write.apply(this, args);
  };
  const writev = s._writev;
  if (writev) {
    s._writev = function (this: unknown, ...args: unknown[]) {
      counter.writes++;
      return writev.apply(this, args);
    };
  }
  return counter;
}

const echo = defineScript({
  name: 'coalesce-echo',
  keys: 1,
  readonly: true,
  lua: 'return ARGV[1]',
  twin: (_ctx, _keys, argv) => argv[0] as string,
});

async function standalone(): Promise<{ client: Redis; store: KvStore }> {
  const client = new Redis({ host: redis.host, port: redis.port, protocol: 2 });
  clients.push(client);
  const store = ioredisAdapter(client);
  stores.push(store);
  await store.ping();
  return { client, store };
}

describe('ioredis driver: one socket write per turn', () => {
  it('sends the commands of one turn in few writes, in order, with every reply right', async () => {
    const { client, store } = await standalone();
    const keys = Array.from({ length: 64 }, (_, i) => `${prefix}a${i}`);
    await Promise.all(keys.map((k, i) => store.set(k, `v${i}`)));
    await store.eval(echo, [keys[0] as string], ['warm']); // the script is loaded: EVALSHA from here

    const counter = countWrites(client.stream);
    // 64 reads, 16 writes that read-after-write must see in order, and 8 scripts, all in one turn.
    const reads = keys.map((k) => store.get(k));
    const writes = keys.slice(0, 16).map((k, i) => store.set(k, `w${i}`));
    const again = keys.slice(0, 16).map((k) => store.get(k));
    const scripts = keys.slice(0, 8).map((k, i) => store.eval(echo, [k], [`e${i}`]));
    expect(await Promise.all(reads)).toEqual(keys.map((_, i) => `v${i}`));
    await Promise.all(writes);
    expect(await Promise.all(again)).toEqual(keys.slice(0, 16).map((_, i) => `w${i}`));
    expect(await Promise.all(scripts)).toEqual(keys.slice(0, 8).map((_, i) => `e${i}`));
    // GET: 2 arguments, SET: 3, EVALSHA sha 1 key arg: 5.
    const argcs = [
      ...reads.map(() => 2),
      ...writes.map(() => 3),
      ...again.map(() => 2),
      ...scripts.map(() => 5),
    ];
    expect(counter.writes).toBe(writesFor(argcs));
    expect(counter.writes).toBeLessThanOrEqual(5); // of 104 commands
    expect((client.stream as unknown as Socketish).writableCorked).toBe(0);

    // The same client used directly (no coalescing): one write per command. This is what the
    // counter sees without the driver's cork, so the assertion above can fail.
    const raw = countWrites(client.stream);
    await Promise.all(keys.map((k) => client.get(k)));
    expect(raw.writes).toBeGreaterThan(32);
  });

  it('batches the commands issued by the continuations of one turn (64 loops in flight)', async () => {
    const { client, store } = await standalone();
    await store.set(`${prefix}loop`, 'x');
    const counter = countWrites(client.stream);
    let next = 0;
    const total = 640;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < total) {
          next++;
          expect(await store.get(`${prefix}loop`)).toBe('x');
        }
      }),
    );
    // Without coalescing this is 640 writes; each turn's replies arrive together, so the
    // commands their continuations issue leave together. A reply batch may be split across
    // socket reads, so allow several writes per 64 commands, far below one per command.
    expect(counter.writes).toBeLessThanOrEqual(total / 4);
    expect((client.stream as unknown as Socketish).writableCorked).toBe(0);
  });

  it('sends a command bigger than a write alone, between the batches before and after it', async () => {
    const { client, store } = await standalone();
    const big = Array.from({ length: MAX_WRITE_ARGS }, (_, i) => `arg${i}`);
    const counter = countWrites(client.stream);
    const before = Array.from({ length: 8 }, (_, i) => store.get(`${prefix}before${i}`));
    const echoed = store.eval(echo, [`${prefix}big`], big);
    const after = Array.from({ length: 8 }, (_, i) => store.get(`${prefix}after${i}`));
    expect(await echoed).toBe('arg0');
    await Promise.all([...before, ...after]);
    expect(counter.writes).toBe(3);
    expect((client.stream as unknown as Socketish).writableCorked).toBe(0);
  });

  it('leaves a lone command alone: one write per turn, and the socket uncorked after each', async () => {
    const { client, store } = await standalone();
    const counter = countWrites(client.stream);
    for (let i = 0; i < 10; i++) {
      await store.set(`${prefix}seq`, String(i));
      expect(await store.get(`${prefix}seq`)).toBe(String(i));
      expect((client.stream as unknown as Socketish).writableCorked).toBe(0);
    }
    expect(counter.writes).toBe(20);
  });

  it('settles every command of a turn whose connection drops, and answers on the next one', async () => {
    const { client, store } = await standalone();
    await store.set(`${prefix}drop`, 'kept');
    const old = client.stream as unknown as Socketish;
    const pending = Array.from({ length: 16 }, () =>
      store.get(`${prefix}drop`).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    );
    client.disconnect(true); // corked data and all: ioredis reconnects
    const settled = await Promise.all(pending);
    for (const s of settled) {
      // ioredis resends unanswered commands after a reconnect; anything else is a typed failure.
      if ('value' in s) expect(s.value).toBe('kept');
      else expect(isKvError(s.error)).toBe(true);
    }
    expect(old.writableCorked).toBe(0);
    expect(await store.get(`${prefix}drop`)).toBe('kept');
    expect((client.stream as unknown as Socketish).writableCorked).toBe(0);
  });

  it('batches per turn on a Cluster too, every node uncorked after, every reply right', async () => {
    const client = new Cluster(
      cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
      { redisOptions: { protocol: 2 } },
    );
    clients.push(client);
    const store = ioredisAdapter(client);
    stores.push(store);
    // Keys in many slots: every master serves some.
    const keys = Array.from({ length: 96 }, (_, i) => `${prefix}c${i}`);
    await Promise.all(keys.map((k, i) => store.set(k, `v${i}`)));
    for (const k of keys) await store.get(k); // every node connected, every slot known
    const masters = client.nodes('master');
    expect(masters.length).toBe(3);
    const counters = masters.map((node) => countWrites(node.stream));
    expect(await Promise.all(keys.map((k) => store.get(k)))).toEqual(keys.map((_, i) => `v${i}`));
    // 96 GETs are 3 batches of 64 arguments; each batch corks every node, so each node takes at
    // most one write per batch (one per command without coalescing: about 32 each).
    for (const counter of counters) {
      expect(counter.writes).toBeGreaterThanOrEqual(1);
      expect(counter.writes).toBeLessThanOrEqual(writesFor(keys.map(() => 2)));
    }
    for (const node of client.nodes('all')) {
      expect((node.stream as unknown as Socketish | undefined)?.writableCorked ?? 0).toBe(0);
    }
  });
});
