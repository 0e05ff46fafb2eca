import { instrument, type KvStore, memoryAdapter } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { until } from '@raptorflow/core/testing';
import { countClientCommands, countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createQueue, type Queue } from '../src/index.js';

/*
 * Round trips and server commands counted on a redis-server of this file's own, so no other
 * file's commands mix in: `countClientCommands` counts what the client sent (EVALSHA is the
 * round trip), `countCommands` (INFO commandstats) also what the scripts ran inside themselves.
 */

let server: RedisServer;
let store: KvStore;
beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
});
afterAll(async () => {
  await store.close();
  await server.stop();
});

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
/** Both counts of one window: the commands the client sent, and every command Redis ran. */
async function countBoth(run: () => Promise<unknown>) {
  let sent: Record<string, number> = {};
  const all = await countCommands(server, async () => {
    sent = await countClientCommands(server, run);
  });
  return { sent, all };
}

async function drain(q: Queue, n: number, concurrency: number): Promise<void> {
  let done = 0;
  const all = new Promise<void>((resolve) => {
    q.events.on('completed', () => {
      done += 1;
      if (done === n) resolve();
    });
  });
  const worker = q.process(() => undefined, { concurrency });
  await all;
  await worker.close();
}

describe('commands per job on Redis', () => {
  it('enqueue: 1 round trip and 3 server commands (EVALSHA, INCRBY, ZADD); enqueueMany(100): 1 round trip, 3 commands', async () => {
    const q = createQueue({ store, name: 'rt-enqueue' });
    await q.enqueue('warm'); // loads the script
    const one = await countCommands(server, () => q.enqueue({ n: 1 }));
    expect(one).toEqual({ evalsha: 1, incrby: 1, zadd: 1 });
    const many = await countCommands(server, () =>
      q.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ data: i }))),
    );
    expect(many).toEqual({ evalsha: 1, incrby: 1, zadd: 1 });
  });

  it('enqueues made together share one round trip: 64 at once are 2 EVALSHAs of 32 jobs, 3 commands each', async () => {
    const q = createQueue({ store, name: 'rt-together' });
    await q.enqueue('warm');
    const counted = await countCommands(server, () =>
      Promise.all(Array.from({ length: 64 }, (_, i) => q.enqueue({ n: i }))),
    );
    expect(counted).toEqual({ evalsha: 2, incrby: 2, zadd: 2 });
  });

  it('a complete-and-claim that finds the queue empty does not look at the timers (the poll after it does)', async () => {
    const q = createQueue({ store, name: 'rt-empty' });
    await q.enqueue('warm');
    await drain(q, 1, 1);
    await q.enqueue('one');
    let resolveRan: () => void = () => undefined;
    const ran = new Promise<void>((resolve) => {
      resolveRan = resolve;
    });
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A ten-minute idle backoff: no third poll falls into the counted window.
    const worker = q.process(
      async () => {
        resolveRan();
        await hold;
      },
      { idle: { minDelay: '10m', maxDelay: '10m' } },
    );
    await ran;
    // The worker's first poll found the job; its completion (sent alone) finds the queue empty,
    // the slot ends and the worker polls at once (its second poll): both counted.
    expect(worker.polls).toBe(1);
    const counted = await countCommands(server, async () => {
      release();
      await until(() => worker.polls === 2);
      await store.ping(); // same connection: the poll's script has run when the PING is answered
    });
    await worker.close();
    const { ping: _ping, ...commands } = counted;
    // Complete: EVALSHA, TIME, ZREM (the token check), HDEL, ZPOPMIN that finds nothing, and no
    // timers. The poll: EVALSHA, TIME, ZPOPMIN, the timers (2 ZRANGEBYSCORE: nothing due, so no
    // second ZPOPMIN), GET and INCRBY of the idle flag.
    expect(commands).toEqual({
      evalsha: 2,
      time: 2,
      zrem: 1,
      hdel: 1,
      zpopmin: 2,
      zrangebyscore: 2,
      get: 1,
      incrby: 1,
    });
  });

  it('serverless claim and complete: 1 round trip each', async () => {
    const q = createQueue({ store, name: 'rt-serverless' });
    await q.enqueueMany([{ data: 'warm' }, { data: 'x' }]);
    const warm = await q.claim();
    await q.complete(warm?.token as string);
    let token = '';
    const claimed = await countClientCommands(server, async () => {
      token = (await q.claim())?.token as string;
    });
    expect(claimed).toEqual({ evalsha: 1 });
    const completed = await countCommands(server, () => q.complete(token));
    expect(completed).toEqual({ evalsha: 1, time: 1, zrem: 1, hdel: 2 });
  });

  it('process: 1 round trip per job (complete-and-claim-next), <= 10 server commands per job with its enqueue', async () => {
    const N = 200;
    const q = createQueue({ store, name: 'rt-process' });
    await q.enqueue('warm');
    await drain(q, 1, 1);
    const enqueued = await countCommands(server, () =>
      q.enqueueMany(Array.from({ length: N }, (_, i) => ({ data: i }))),
    );
    const { sent, all: processed } = await countBoth(() => drain(q, N, 1));
    // The first claim of the poller, one COMPLETE per job (the last one finds nothing), and
    // the poller's claims once the queue is empty (at most a few at its first backoff steps).
    expect(sent.evalsha).toBeGreaterThanOrEqual(N + 1);
    expect(sent.evalsha).toBeLessThanOrEqual(N + 4);
    // Plus the worker's one SUBSCRIBE to wake-ups, once per worker, and the QUIT that releases
    // that connection when the worker closes.
    expect(sent).toEqual({ evalsha: sent.evalsha, subscribe: 1, quit: 1 });
    const perJob = (total(enqueued) - 1 + total(processed)) / N;
    console.log(`server commands per job (enqueueMany + process at c1): ${perJob.toFixed(2)}`, processed);
    expect(perJob).toBeLessThanOrEqual(10);
    // The steady-state complete-and-claim-next: TIME, ZREM, HDEL, ZPOPMIN, HSET, ZADD inside.
    expect(processed.zpopmin).toBeGreaterThanOrEqual(N);
    expect(processed.hset).toBe(N);
  });

  it('a single claim is 1 round trip; concurrency 16 still costs about 1 round trip per job', async () => {
    const N = 320;
    const q = createQueue({ store, name: 'rt-c16' });
    await q.enqueueMany(Array.from({ length: N }, (_, i) => ({ data: i })));
    const processed = await countClientCommands(server, () => drain(q, N, 16));
    expect(processed.evalsha).toBeLessThanOrEqual(N + 20);
    expect(processed).toEqual({ evalsha: processed.evalsha, subscribe: 1, quit: 1 });
  });

  it('one batched renewal per worker per tick covers every running job', async () => {
    // Renewals are seen as they happen through an instrument layer: the window ends on them.
    const counted = instrument(store);
    let renewed = 0;
    counted.events.on('call', (e) => {
      if (e.kind === 'script' && e.name === 'queue-extend' && e.error === undefined) renewed += 1;
    });
    const q = createQueue({ store: counted, name: 'rt-renew', lease: 150 });
    await q.enqueueMany([{ data: 1 }, { data: 2 }, { data: 3 }, { data: 4 }]);
    let running = 0;
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const worker = q.process(
      async () => {
        running += 1;
        await hold;
      },
      { concurrency: 4 },
    );
    await until(() => running === 4);
    const renewals = await countCommands(server, async () => {
      // Two renewal ticks (every lease / 3 = 50 ms), decided by their replies, not by a time
      // window; the check is per tick, so a third caught in flight does not matter.
      const seen = renewed;
      await until(() => renewed >= seen + 2);
    });
    console.log('renewal window', renewals);
    release();
    await worker.close();
    // The first renewal may be an EVAL (the script's first load).
    const ticks = (renewals.evalsha ?? 0) + (renewals.eval ?? 0);
    expect(renewals.time).toBe(ticks);
    expect(ticks).toBeGreaterThanOrEqual(2);
    // Each renewal is one EVALSHA checking and extending all four leases (ZSCORE + ZADD each).
    expect(renewals.zscore).toBe(4 * ticks);
    expect(renewals.zadd).toBe(4 * ticks);
    expect(worker.running).toBe(0);
  });

  it('an idle poll is 1 round trip; a stale completion is refused and counted', async () => {
    const q = createQueue({ store, name: 'rt-idle' });
    await q.enqueue('warm');
    await drain(q, 1, 1);
    const { CLAIM } = await import('../src/index.js');
    const args = ['1:1000:tok:5:0:100:1:10:0'];
    const { sent, all: idle } = await countBoth(() =>
      store.namespace('rf:queue:').eval(CLAIM, keysOf('rt-idle'), args),
    );
    expect(sent).toEqual({ evalsha: 1 });
    console.log(`server commands per idle poll: ${total(idle)}`, idle);
    expect(total(idle)).toBeLessThanOrEqual(10);
  });
});

function keysOf(name: string): string[] {
  return [
    'seq',
    'ready',
    'delayed',
    'active',
    'jobs',
    'dead',
    'dead-jobs',
    'dedup',
    'completed',
    'results',
    'progress',
    'stats',
  ].map((k) => `{${name}}:${k}`);
}

describe('idle cost on a fake clock', () => {
  afterAll(() => {
    vi.useRealTimers();
  });

  it('at full backoff an idle worker polls 2 times a minute with pub/sub (30 s), 12 without (5 s)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const polls: Record<string, number> = {};
    for (const [label, maxDelay] of [
      ['pubsub', undefined],
      ['polling', '5s'],
    ] as const) {
      const inner = memoryAdapter({ sweepIntervalMs: 0 });
      const counted = instrument(inner);
      let scripts = 0;
      counted.events.on('call', (e) => {
        if (e.kind === 'script') scripts += 1;
      });
      const q = createQueue({ store: counted, name: 'idle' });
      const worker = q.process(() => undefined, maxDelay ? { idle: { maxDelay } } : {});
      await worker.ready;
      // Ten minutes: far past the backoff's ramp (25 ms doubling to the cap).
      for (let i = 0; i < 600; i++) await vi.advanceTimersByTimeAsync(1_000);
      const before = scripts;
      for (let i = 0; i < 60; i++) await vi.advanceTimersByTimeAsync(1_000);
      polls[label] = scripts - before;
      const closing = worker.close();
      await vi.advanceTimersByTimeAsync(1_000);
      await closing;
      await inner.close();
    }
    vi.useRealTimers();
    console.log('idle scripts per minute per worker', polls);
    expect(polls).toEqual({ pubsub: 2, polling: 12 });
  });

  it('an enqueue wakes an idle worker at once through pub/sub (no poll in between)', async () => {
    const inner = memoryAdapter({ sweepIntervalMs: 0 });
    const q = createQueue({ store: inner, name: 'wake' });
    const ran: unknown[] = [];
    // A ten-minute poll interval: only a wake-up can run the job within the test.
    const worker = q.process(
      (job) => {
        ran.push(job.data);
      },
      { idle: { minDelay: '10m', maxDelay: '10m' } },
    );
    await worker.ready;
    await until(() => worker.polls === 1);
    await q.enqueue('now');
    await until(() => ran.length === 1);
    // The woken claim took the job; the next found the queue empty and went back to sleep.
    await until(() => worker.polls === 3);
    await worker.close();
    await inner.close();
  });
});
