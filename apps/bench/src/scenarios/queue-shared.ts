import { defineScenario, type Scenario, type ScenarioContext } from '../types.js';

/*
 * The queue scenarios, ours beside BullMQ 6.7.0 and bee-queue 2.0.0, in the shapes of the
 * wave-2 probe (shared/research/wave2-facts.md §1, perf-probe-wave2/scripts/queues.mjs): no-op
 * jobs with a small JSON payload, each library through its own client on the bench's Redis,
 * BullMQ with `removeOnComplete: true`, bee-queue with `removeOnSuccess: true` and no events,
 * ours with its defaults (completed jobs are not kept). Only ioredis: BullMQ and bee-queue run
 * on Redis alone.
 */

/** The libraries compared. */
export type QueueLib = 'raptorflow' | 'bullmq' | 'bee-queue';

/** What each scenario needs from a library. */
interface QueueDriver {
  add(data: unknown): Promise<unknown>;
  addBulk(datas: readonly unknown[]): Promise<unknown>;
  /** Start one worker of `concurrency` doing no-op jobs; `onDone` once per completed job. */
  startWorker(concurrency: number, onDone: () => void): Promise<void>;
  close(): Promise<void>;
}

/** The payload of every job (as the probe's). */
const PAYLOADS: readonly unknown[] = Array.from({ length: 1000 }, (_, i) => ({
  n: i,
  kind: 'bench',
  at: 1_764_000_000_000 + i,
}));
/** One `enqueueMany(100)` batch per op, prebuilt. */
const BATCHES: readonly (readonly unknown[])[] = Array.from({ length: 10 }, (_, b) =>
  PAYLOADS.slice(b * 100, b * 100 + 100),
);

async function open(lib: QueueLib, ctx: ScenarioContext, name: string): Promise<QueueDriver> {
  if (!ctx.redis) throw new Error('the queue scenarios run on Redis');
  const { host, port } = ctx.redis;
  if (lib === 'raptorflow') {
    const { createQueue } = await import('@raptorflow/queue');
    const store = await ctx.store();
    const queue = createQueue({ store, name, prefix: `${ctx.fixtures.prefix}q:` });
    let close: () => Promise<void> = async () => undefined;
    return {
      add: (data) => queue.enqueue(data),
      addBulk: (datas) => queue.enqueueMany(datas.map((data) => ({ data }))),
      async startWorker(concurrency, onDone) {
        queue.events.on('completed', onDone);
        const worker = queue.process(() => undefined, { concurrency });
        close = () => worker.close();
        await worker.ready;
      },
      async close() {
        await close();
        await queue.clear();
      },
    };
  }
  if (lib === 'bullmq') {
    const { Queue, Worker } = await import('bullmq');
    const connection = { host, port, maxRetriesPerRequest: null };
    const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true } });
    await queue.waitUntilReady();
    let worker: { close(): Promise<void> } | undefined;
    return {
      add: (data) => queue.add('j', data),
      addBulk: (datas) => queue.addBulk(datas.map((data) => ({ name: 'j', data }))),
      async startWorker(concurrency, onDone) {
        const w = new Worker(name, async () => undefined, { connection, concurrency });
        w.on('completed', onDone);
        await w.waitUntilReady();
        worker = w;
      },
      async close() {
        await worker?.close();
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      },
    };
  }
  const BeeQueue = (await import('bee-queue')).default;
  const redis = { host, port };
  const producer = new BeeQueue(name, { redis, isWorker: false, getEvents: false, removeOnSuccess: true });
  await producer.ready();
  let worker: InstanceType<typeof BeeQueue> | undefined;
  return {
    add: (data) => producer.createJob(data).save(),
    addBulk: async (datas) => {
      const errors = await producer.saveAll(datas.map((d) => producer.createJob(d)));
      if (errors.size) throw [...errors.values()][0];
    },
    async startWorker(concurrency, onDone) {
      worker = new BeeQueue(name, { redis, removeOnSuccess: true, getEvents: false });
      worker.on('succeeded', onDone);
      await worker.ready();
      worker.process(concurrency, async () => undefined);
    },
    async close() {
      await worker?.close(5_000);
      await producer.destroy().catch(() => undefined);
      await producer.close(5_000);
    },
  };
}

const LABEL: Readonly<Record<QueueLib, string>> = {
  raptorflow: '@raptorflow/queue',
  bullmq: 'BullMQ 6.7.0',
  'bee-queue': 'bee-queue 2.0.0',
};

/** Completions counted by the worker, handed to ops waiting for them (one per op). */
function completions(): { done: () => void; next: () => Promise<void> } {
  let credit = 0;
  const waiting: Array<{ resolve: () => void; timer: ReturnType<typeof setTimeout> }> = [];
  return {
    done() {
      const w = waiting.shift();
      if (w) {
        clearTimeout(w.timer);
        w.resolve();
      } else credit += 1;
    },
    next() {
      if (credit > 0) {
        credit -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        // A drained backlog stops the run rather than hanging it.
        const timer = setTimeout(
          () => reject(new Error('no job completed in 10 s: the pre-filled backlog ran out')),
          10_000,
        );
        waiting.push({ resolve, timer });
      });
    },
  };
}

/** `enqueue` of one job per op (run it at 64 in flight). */
export function enqueueScenario(lib: QueueLib): Scenario {
  return defineScenario({
    name: `queue-enqueue-${lib}`,
    description: `${LABEL[lib]}: enqueue one small JSON job per op`,
    adapters: ['ioredis'],
    baseline: lib === 'raptorflow' ? 'queue-enqueue-bee-queue' : undefined,
    async setup(ctx) {
      const q = await open(lib, ctx, `bench-enqueue-${lib}-${process.pid}`);
      return { op: (i) => q.add(PAYLOADS[i % PAYLOADS.length]), teardown: () => q.close() };
    },
  });
}

/** `enqueueMany` of 100 jobs per op (ops/s × 100 = jobs/s). */
export function enqueueManyScenario(lib: QueueLib): Scenario {
  return defineScenario({
    name: `queue-enqueue-many-${lib}`,
    description: `${LABEL[lib]}: enqueue 100 jobs in one call per op (jobs/s = ops/s × 100)`,
    adapters: ['ioredis'],
    baseline: lib === 'raptorflow' ? 'queue-enqueue-many-bee-queue' : undefined,
    async setup(ctx) {
      const q = await open(lib, ctx, `bench-many-${lib}-${process.pid}`);
      return { op: (i) => q.addBulk(BATCHES[i % BATCHES.length] as unknown[]), teardown: () => q.close() };
    },
  });
}

/** Jobs enqueued before a processing run: more than any run of a few seconds completes (a quiet 2-core box drained 60,000 at concurrency 64 before the end of one run). */
const BACKLOG = Number(process.env.QUEUE_BENCH_BACKLOG ?? 200_000);

/** Process a pre-filled queue with one worker of `concurrency`: one op per completed job. */
export function processScenario(lib: QueueLib, concurrency: number): Scenario {
  return defineScenario({
    name: `queue-process-c${concurrency}-${lib}`,
    description: `${LABEL[lib]}: one worker at concurrency ${concurrency} drains a pre-filled queue of no-op jobs; one op per completion`,
    adapters: ['ioredis'],
    baseline: lib === 'raptorflow' ? `queue-process-c${concurrency}-bullmq` : undefined,
    async setup(ctx) {
      const q = await open(lib, ctx, `bench-process-${lib}-${process.pid}`);
      for (let i = 0; i < BACKLOG; i += 1000) {
        await q.addBulk(Array.from({ length: 1000 }, (_, j) => PAYLOADS[(i + j) % PAYLOADS.length]));
      }
      const c = completions();
      await q.startWorker(concurrency, c.done);
      return { op: () => c.next(), teardown: () => q.close() };
    },
  });
}

/** Enqueue (one job per op, as many ops in flight as the run's concurrency) while one worker processes. */
export function togetherScenario(lib: QueueLib, concurrency: number): Scenario {
  return defineScenario({
    name: `queue-together-c${concurrency}-${lib}`,
    description: `${LABEL[lib]}: each op enqueues a job and waits for one completion; one worker at concurrency ${concurrency}`,
    adapters: ['ioredis'],
    baseline: lib === 'raptorflow' ? `queue-together-c${concurrency}-bullmq` : undefined,
    async setup(ctx) {
      const q = await open(lib, ctx, `bench-together-${lib}-${process.pid}`);
      const c = completions();
      await q.startWorker(concurrency, c.done);
      return {
        async op(i) {
          await q.add(PAYLOADS[i % PAYLOADS.length]);
          await c.next();
        },
        teardown: () => q.close(),
      };
    },
  });
}

/** How long an idle scenario waits before timing, so the worker's backoff has reached its cap. */
const IDLE_RAMP_MS = Number(process.env.QUEUE_BENCH_IDLE_RAMP_MS ?? 70_000);

/**
 * The idle cost: one worker (concurrency 1) on an empty queue, its backoff ramped up during
 * setup; each op is one second of waiting, so `Redis cmds/op` is commands per second per idle
 * worker (× 60 per minute). Run it alone, with `--concurrency 1 --monitor-ops 0` and a long
 * `--duration` (our worker polls twice a minute at its cap).
 */
export function idleScenario(lib: QueueLib): Scenario {
  return defineScenario({
    name: `queue-idle-${lib}`,
    description: `${LABEL[lib]}: one idle worker on an empty queue; one op per second (Redis cmds/op × 60 = per minute)`,
    adapters: ['ioredis'],
    async setup(ctx) {
      const q = await open(lib, ctx, `bench-idle-${lib}-${process.pid}`);
      await q.startWorker(1, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, IDLE_RAMP_MS));
      return {
        op: () => new Promise((resolve) => setTimeout(resolve, 1_000)),
        teardown: () => q.close(),
      };
    },
  });
}
