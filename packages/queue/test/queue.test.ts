import { isKvError, type KvStore, memoryAdapter, withFailover } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import type {} from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLegacyQueue, createQueue, type Job, type Queue } from '../src/index.js';

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server, and
// ioredis behind withFailover with the fail-closed policy (the one a queue accepts).
const MATRIX = storeMatrix({ layers: ['failover'] });

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

describe.each(MATRIX)('$name', ({ create, layer }) => {
  let root: KvStore;
  let store: KvStore;
  let n = 0;
  beforeAll(async () => {
    root = await create();
    const base =
      layer === 'failover'
        ? (root as ReturnType<typeof withFailover>).failover.withPolicy('fail-closed')
        : root;
    store = base.namespace(randomPrefix());
  });
  const queue = <T = unknown>(options: Partial<Parameters<typeof createQueue<T>>[0]> = {}): Queue<T> => {
    n += 1;
    const q = createQueue<T>({ store, name: `q${n}`, ...options });
    closers.push(() => q.close({ timeout: 1_000 }));
    return q;
  };

  it('runs jobs best priority first, FIFO within a priority, and keeps results when asked', async () => {
    const q = queue<{ n: number }>({ retention: { completed: { count: 100 } } });
    const ids = await q.enqueueMany([
      { data: { n: 1 } },
      { data: { n: 2 }, options: { priority: 5 } },
      { data: { n: 3 } },
      { data: { n: 4 }, options: { priority: 5 } },
    ]);
    expect(ids.map((r) => r.duplicate)).toEqual([false, false, false, false]);
    expect((await q.peek(2)).map((j) => j.data.n)).toEqual([2, 4]);
    expect(await q.counts()).toMatchObject({ waiting: 4, active: 0, delayed: 0 });
    const seen: number[] = [];
    const worker = q.process(async (job: Job<{ n: number }>) => {
      seen.push(job.data.n);
      return job.data.n * 10;
    });
    await until(async () => (await q.counts()).completed === 4);
    expect(seen).toEqual([2, 4, 1, 3]);
    expect(await q.result(ids[1]?.id as string)).toBe(20);
    await worker.close();
    expect(await q.counts()).toMatchObject({ waiting: 0, active: 0, completed: 4, stale: 0 });
  });

  it('retries with backoff while attempts last, then dead-letters with the reason; retry and purge', async () => {
    const q = queue({ backoff: { type: 'fixed', delay: 0 } });
    const { id } = await q.enqueue('x', { attempts: 2 });
    const deliveries: number[] = [];
    const worker = q.process(async (job) => {
      deliveries.push(job.deliveries);
      throw new Error('boom | bad');
    });
    await until(async () => (await q.counts()).dead === 1);
    await worker.close();
    expect(deliveries).toEqual([1, 2]);
    const [dead] = await q.deadLetters.list();
    expect(dead).toMatchObject({ id, data: 'x', reason: 'failed', message: 'boom | bad', deliveries: 2 });
    expect(await q.deadLetters.retry([id])).toEqual([id]);
    expect(await q.counts()).toMatchObject({ waiting: 1, dead: 0 });
    expect((await q.peek(1))[0]).toMatchObject({ id, deliveries: 0 });
    await q.clear();
    await q.enqueue('y', { attempts: 1 });
    const w2 = q.process(() => Promise.reject(new Error('no')));
    await until(async () => (await q.counts()).dead === 1);
    await w2.close();
    expect(await q.deadLetters.purge({ all: true })).toBe(1);
    expect(await q.counts()).toMatchObject({ dead: 0, waiting: 0, active: 0 });
  });

  it('dedup keys return the existing id while the job lives, and free up when it completes', async () => {
    const q = queue();
    const a = await q.enqueue({ v: 1 }, { dedupKey: 'order|42' });
    const b = await q.enqueue({ v: 2 }, { dedupKey: 'order|42' });
    expect(b).toEqual({ id: a.id, duplicate: true });
    expect(await q.counts()).toMatchObject({ waiting: 1 });
    const worker = q.process(() => 'ok');
    await until(async () => (await q.counts()).waiting + (await q.counts()).active === 0);
    await worker.close();
    const c = await q.enqueue({ v: 3 }, { dedupKey: 'order|42' });
    expect(c.duplicate).toBe(false);
    expect(c.id).not.toBe(a.id);
  });

  it('delays a job on the store clock, and dead-letters a waiting job past its TTL', async () => {
    const q = queue();
    const t0 = await store.time();
    await q.enqueue('late', { delay: 150 });
    await q.enqueue('stale', { ttl: 1 });
    expect(await q.counts()).toMatchObject({ waiting: 1, delayed: 1 });
    // Past the TTL on the store's clock (the job expired at most 1 ms after t0 + the calls).
    const t1 = await store.time();
    await until(async () => (await store.time()) > t1 + 1);
    expect(t1).toBeGreaterThanOrEqual(t0);
    const ran: string[] = [];
    const worker = q.process((job: Job<unknown>) => {
      ran.push(job.data as string);
    });
    await until(async () => ran.length === 1, 10_000);
    await worker.close();
    expect(ran).toEqual(['late']);
    expect((await q.deadLetters.list()).map((d) => d.reason)).toEqual(['expired']);
  });

  it('aborts the signal when the lease is lost, and refuses (and counts) a stale completion', async () => {
    const q = queue({ lease: 300 });
    const lost: string[] = [];
    q.events.on('lease-lost', (e) => lost.push(e.id));
    const { id } = await q.enqueue('a');
    let reason: unknown;
    const worker = q.process(async (job) => {
      // Another party took the lease (what a reclaim after expiry does): remove it.
      const [member] = await store.zrangeByScore(`rf:queue:{${q.name}}:active`, 0, Number.MAX_SAFE_INTEGER);
      await store.zrem(`rf:queue:{${q.name}}:active`, [member as string]);
      await new Promise<void>((resolve) =>
        job.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      reason = job.signal.reason;
    });
    await until(() => reason !== undefined, 10_000);
    expect(isKvError(reason) && reason.code).toBe('E_QUEUE_LEASE_LOST');
    expect(lost).toEqual([id]);
    await worker.close();

    const q2 = queue();
    await q2.enqueue('b');
    const w2 = q2.process(async () => {
      const [member] = await store.zrangeByScore(`rf:queue:{${q2.name}}:active`, 0, Number.MAX_SAFE_INTEGER);
      await store.zrem(`rf:queue:{${q2.name}}:active`, [member as string]);
      return 'late';
    });
    await until(async () => (await q2.counts()).stale === 1);
    await w2.close();
    expect(await q2.counts()).toMatchObject({ stale: 1, completed: 0 });
  });

  it('a per-job timeout aborts the signal and fails the job; progress is stored for the holder', async () => {
    const q = queue({ backoff: { delay: 0 } });
    const { id } = await q.enqueue('slow', { attempts: 1 });
    let reason: unknown;
    let progress: unknown;
    const worker = q.process(
      async (job) => {
        await job.progress({ pct: 50 });
        progress = await q.progress(job.id);
        await new Promise<void>((resolve) =>
          job.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        reason = job.signal.reason;
      },
      { timeout: 1_000 },
    );
    await until(async () => (await q.counts()).dead === 1, 10_000);
    await worker.close();
    expect(progress).toEqual({ pct: 50 });
    expect(isKvError(reason) && reason.code).toBe('E_QUEUE_JOB_TIMEOUT');
    expect((await q.deadLetters.list())[0]).toMatchObject({ id, reason: 'timeout' });
    expect(await q.progress(id)).toBeUndefined();
  });

  it('checks payloads with a schema on enqueue and on claim (a bad stored one is dead-lettered)', async () => {
    const q = queue<{ url: string }>({ schema: z.object({ url: z.string().url() }) });
    await expectCode(q.enqueue({ url: 'nope' }), 'E_QUEUE_INVALID_PAYLOAD');
    // A job written without the schema (an older producer) on the same queue.
    const raw = createQueue({ store, name: q.name });
    await raw.enqueue({ url: 42 });
    await q.enqueue({ url: 'https://example.com' });
    const ran: string[] = [];
    const worker = q.process((job) => {
      ran.push(job.data.url);
    });
    await until(async () => (await q.counts()).dead === 1 && ran.length === 1);
    await worker.close();
    expect((await q.deadLetters.list())[0]?.reason).toBe('invalid-payload');
  });

  it('pause holds jobs back, resume hands them out', async () => {
    const q = queue();
    await q.pause();
    await q.enqueue('p');
    const ran: unknown[] = [];
    const worker = q.process(
      (job) => {
        ran.push(job.data);
      },
      { idle: { minDelay: 5, maxDelay: 20 } },
    );
    await until(() => worker.polls >= 3);
    expect(ran).toEqual([]);
    expect(await q.counts()).toMatchObject({ waiting: 1, paused: true });
    await q.resume();
    await until(() => ran.length === 1);
    await worker.close();
  });

  it('close({ timeout }) aborts what still runs and puts it back to waiting, delivery not counted', async () => {
    const q = queue();
    await q.enqueue('held');
    let started = false;
    let reason: unknown;
    const worker = q.process(async (job) => {
      started = true;
      await new Promise<void>((resolve) =>
        job.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      reason = job.signal.reason;
    });
    await until(() => started);
    await worker.close({ timeout: 50 });
    expect(isKvError(reason) && reason.code).toBe('E_QUEUE_CLOSED');
    expect(await q.counts()).toMatchObject({ waiting: 1, active: 0 });
    expect((await q.peek(1))[0]?.deliveries).toBe(0);
  });

  it('the legacy calls: enqueue(queueName, jobData, priority), dequeue, peek, length, clear', async () => {
    const legacy = createLegacyQueue({ store, prefix: 'legacy:' });
    await legacy.enqueue('agents', { task: 'low' }, 1);
    await legacy.enqueue('agents', { task: 'high' }, 9);
    expect(await legacy.length('agents')).toBe(2);
    expect(await legacy.peek('agents')).toEqual({ task: 'high' });
    expect(await legacy.dequeue('agents')).toEqual({ task: 'high' });
    expect(await legacy.length('agents')).toBe(1);
    await legacy.clear('agents');
    expect(await legacy.dequeue('agents')).toBeNull();
    expect(await legacy.peek('agents')).toBeNull();
  });

  it('enqueues made together go as one call: ids in call order, a bad one refused alone, later calls after them', async () => {
    const q = queue<number>();
    const settled = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => q.enqueue(i, i === 7 ? ({ priority: -1 } as never) : undefined)),
    );
    const bad = settled[7];
    expect(bad?.status === 'rejected' && isKvError(bad.reason) && bad.reason.code).toBe('E_INVALID_ARGUMENT');
    const ids = settled.flatMap((s) => (s.status === 'fulfilled' ? [Number(s.value.id)] : []));
    expect(ids).toHaveLength(39);
    expect(new Set(ids).size).toBe(39);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const expected = Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 7);
    expect((await q.peek(100)).map((j) => j.data)).toEqual(expected);
    // Not awaited: a call made after them still reaches the store after them.
    const pending = [q.enqueue(100), q.enqueue(101)];
    expect(await q.clear()).toBe(41);
    expect((await Promise.all(pending)).map((r) => r.duplicate)).toEqual([false, false]);
    // A dedup key taken twice in one call: the second gets the first's id.
    const [a, b] = await Promise.all([q.enqueue(1, { dedupKey: 'k' }), q.enqueue(2, { dedupKey: 'k' })]);
    expect(b).toEqual({ id: a?.id, duplicate: true });
  });

  it('serverless: claim takes a job with a lease, complete / fail / extend go by its token', async () => {
    const q = queue<{ n: number }>({
      backoff: { type: 'fixed', delay: 0 },
      retention: { completed: { count: 10 } },
    });
    expect(await q.claim()).toBeUndefined();
    const [first, second] = await q.enqueueMany([
      { data: { n: 1 }, options: { dedupKey: 'one' } },
      { data: { n: 2 }, options: { attempts: 2 } },
    ]);
    const a = await q.claim({ lease: '1m' });
    expect(a).toMatchObject({ id: first?.id, data: { n: 1 }, deliveries: 1, attempts: 3 });
    const now = await store.time();
    expect(a?.leaseUntil).toBeGreaterThan(now + 50_000);
    expect(await q.counts()).toMatchObject({ waiting: 1, active: 1 });
    expect(await q.extend(a?.token as string, '2m')).toBe(true);
    expect(await q.complete(a?.token as string, { ok: 1 })).toBe(true);
    expect(await q.result(first?.id as string)).toEqual({ ok: 1 });
    // The dedup key is free again; a second completion with the same token is stale and counted.
    expect((await q.enqueue({ n: 3 }, { dedupKey: 'one' })).duplicate).toBe(false);
    expect(await q.complete(a?.token as string)).toBe(false);
    expect(await q.extend(a?.token as string)).toBe(false);
    expect(await q.counts()).toMatchObject({ stale: 1, completed: 1 });
    const b = await q.claim();
    expect(b).toMatchObject({ id: second?.id, deliveries: 1 });
    expect(await q.fail(b?.token as string, new Error('try again'))).toBe('retried');
    expect(await q.fail(b?.token as string, 'late')).toBe('stale');
    const again = await q.claim();
    expect(again).toMatchObject({ id: second?.id, deliveries: 2 });
    expect(await q.fail(again?.token as string, new Error('no more'))).toBe('dead');
    const [dead] = await q.deadLetters.list();
    expect(dead).toMatchObject({ id: second?.id, reason: 'failed', message: 'no more', deliveries: 2 });
    const c = await q.claim();
    expect(await q.fail(c?.token as string, 'bad', { dead: true })).toBe('dead');
    expect(await q.counts()).toMatchObject({ waiting: 0, active: 0, dead: 2 });
    await expectCode(q.complete('nope'), 'E_INVALID_ARGUMENT');
    await expectCode(q.fail(42 as never), 'E_INVALID_ARGUMENT');
    await expectCode(q.claim({ lease: 1 }), 'E_INVALID_ARGUMENT');
  });

  it('reports enqueues and jobs on the feature-event hub of the underlying store', async () => {
    const q = queue();
    const seen: FeatureEvent[] = [];
    const off = featureEvents(root).on('operation', (e) => {
      if (e.feature === 'queue') seen.push(e);
    });
    try {
      await q.enqueue(1, { dedupKey: 'one' });
      await q.enqueue(1, { dedupKey: 'one' });
      const worker = q.process(() => 'done');
      await until(() => seen.some((e) => e.operation === 'job'));
      await worker.close();
    } finally {
      off();
    }
    expect(seen.map((e) => `${e.operation}:${e.outcome}`)).toEqual([
      'enqueue:enqueued',
      'enqueue:duplicate',
      'job:completed',
    ]);
  });
});

describe('bad input', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('names the bad option in E_INVALID_OPTIONS', () => {
    const bad: Array<[unknown, string]> = [
      [{ name: 'q' }, 'createQueue: store: must be a KvStore'],
      [{ store, name: 'a{b' }, 'name: expected a non-empty string without { or }'],
      [{ store, name: 'q', lease: 0 }, 'createQueue: lease: expected a duration >= 10 ms'],
      [{ store, name: 'q', attempts: 0 }, 'createQueue: attempts'],
      [{ store, name: 'q', retention: { dead: { count: -1 } } }, 'createQueue: retention.dead.count'],
      [{ store, name: 'q', schema: {} }, 'createQueue: schema: expected a zod schema'],
      [{ store, name: 'q', leese: 1 }, 'createQueue: leese: is not an option'],
      [
        { store: withFailover(store), name: 'q' },
        'createQueue: store: its withFailover layer has policy "fallback"',
      ],
    ];
    for (const [options, message] of bad) {
      expect(() => createQueue(options as never)).toThrowError(
        expect.objectContaining({
          code: expect.stringMatching(/^E_INVALID_(OPTIONS|ARGUMENT)$/),
          message: expect.stringContaining(message),
        }),
      );
    }
  });

  it("a payload over the store's size limit is refused alone; the enqueues beside it are kept", async () => {
    const small = memoryAdapter({ sweepIntervalMs: 0, maxValueBytes: 64 * 1024 });
    const q = createQueue<string>({ store: small, name: 'big' });
    const [before, big, after] = await Promise.allSettled([
      q.enqueue('a'),
      q.enqueue('x'.repeat(100_000)),
      q.enqueue('b'),
    ]);
    expect(big?.status === 'rejected' && isKvError(big.reason) && big.reason.code).toBe('E_VALUE_TOO_LARGE');
    expect([before?.status, after?.status]).toEqual(['fulfilled', 'fulfilled']);
    expect((await q.peek(10)).map((j) => j.data)).toEqual(['a', 'b']);
    await small.close();
  });

  it('refuses bad job options and payloads with E_INVALID_ARGUMENT before any write', async () => {
    const q = createQueue({ store, name: 'bad' });
    for (const options of [
      { priority: -1 },
      { priority: 1.5 },
      { priority: 2_000_000 },
      { delay: -5 },
      { ttl: '1x' },
      { attempts: 0 },
      { dedupKey: '' },
    ]) {
      await expectCode(q.enqueue('x', options as never), 'E_INVALID_ARGUMENT');
    }
    await expectCode(q.enqueue(undefined), 'E_INVALID_ARGUMENT');
    await expectCode(q.enqueue(10n as never), 'E_INVALID_ARGUMENT');
    await expectCode(
      q.enqueueMany([{ data: 1 }, { data: 2, options: { priority: -1 } }]),
      'E_INVALID_ARGUMENT',
    );
    await expectCode(q.peek(0), 'E_INVALID_ARGUMENT');
    await expectCode(q.deadLetters.retry(['x'] as never), 'E_INVALID_ARGUMENT');
    expect(() => q.process('nope' as never)).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => q.process(() => 1, { concurrency: 0 })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    );
    expect(await q.counts()).toMatchObject({ waiting: 0 });
  });
});
