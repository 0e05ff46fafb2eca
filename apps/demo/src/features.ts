import { type CacheClient, createCache } from '@raptorflow/cache';
import type { Duration } from '@raptorflow/core/kit';
import { createLlmCache, type LlmCache } from '@raptorflow/llm-cache';
import { createLocks, type Locks } from '@raptorflow/locks';
import {
  createHandlers,
  createMetrics,
  createUsage,
  type Handlers,
  type Metrics,
  type Usage,
} from '@raptorflow/metrics';
import { createQueue, type Queue, type Worker } from '@raptorflow/queue';
import { createRateLimiter, type RateLimiter } from '@raptorflow/ratelimit';
import { createRealtime, type Realtime } from '@raptorflow/realtime';
import { createSessions, type Sessions } from '@raptorflow/session';
import * as z from 'zod';
import { createFakeModel, type FakeModel } from './fake-model.js';
import type { DemoStack } from './stack.js';

/** An agent task: `steps` units of work; `fail` makes it throw (once: retried; always: dead-lettered). */
export interface Task {
  workspace: string;
  title: string;
  steps: number;
  fail: 'never' | 'once' | 'always';
}
export const TaskSchema: z.ZodType<Task> = z.strictObject({
  workspace: z.string(),
  title: z.string().min(1).max(200),
  steps: z.number().int().min(1).max(20),
  fail: z.enum(['never', 'once', 'always']),
});

/** What the live channel carries to browsers. */
export type LiveEvent =
  | {
      type: 'task';
      id: string;
      title: string;
      state: 'queued' | 'running' | 'completed' | 'failed' | 'retrying';
      progress: number;
    }
  | { type: 'cache'; action: string; page?: string | undefined }
  | { type: 'report'; fence: number; by: string };
export const LiveEvent: z.ZodType<LiveEvent> = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('task'),
    id: z.string(),
    title: z.string(),
    state: z.enum(['queued', 'running', 'completed', 'failed', 'retrying']),
    progress: z.number(),
  }),
  z.strictObject({ type: z.literal('cache'), action: z.string(), page: z.string().optional() }),
  z.strictObject({ type: z.literal('report'), fence: z.number(), by: z.string() }),
]);

/** Session data of the demo. */
export interface DemoSessionData extends Record<string, unknown> {
  name: string;
}

/** Options of {@link createFeatures}. */
export interface FeatureOptions {
  /** Latency of the fake model, ms. @default 400 */
  modelLatencyMs?: number | undefined;
  /** Time a task step takes, ms. @default 300 */
  stepMs?: number | undefined;
  /** Requests per window of the rate-limited API. @default 10 */
  apiLimit?: number | undefined;
  /** Its window. @default '10s' */
  apiWindow?: Duration | undefined;
  /** Start task workers. @default true */
  workers?: boolean | undefined;
  /** Bearer token the admin routes and /metrics require; none: open (a local demo). */
  adminToken?: string | undefined;
}

/** Every feature, wired on its layer stack. */
export interface Features {
  readonly cache: CacheClient;
  readonly limiter: RateLimiter;
  readonly sessions: Sessions<DemoSessionData>;
  readonly queue: Queue<Task>;
  readonly locks: Locks;
  readonly llm: LlmCache;
  readonly model: FakeModel;
  readonly realtime: Realtime;
  readonly metrics: Metrics;
  readonly usage: Usage;
  readonly handlers: Handlers;
  readonly worker: Worker | undefined;
  readonly stepMs: number;
  close(): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  ms <= 0
    ? Promise.resolve()
    : new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });

export function createFeatures(stack: DemoStack, options: FeatureOptions = {}): Features {
  const stepMs = options.stepMs ?? 300;
  // The cache: the only feature on L1 (tiers l1 → l2), store failures served stale from L1.
  const cache = createCache({
    store: stack.cache,
    onStoreError: 'fallback',
    namespaces: {
      pages: { ttl: '30s', grace: '5m' },
    },
  });
  const limiter = createRateLimiter({
    store: stack.guarded,
    limits: [{ name: 'api', limit: options.apiLimit ?? 10, window: options.apiWindow ?? '10s' }],
  });
  const sessions = createSessions<DemoSessionData>({ store: stack.closed, ttl: '2h', absoluteTtl: '1d' });
  // Queue and locks refuse anything but fail-closed: never served from per-process memory.
  const queue = createQueue<Task>({
    store: stack.closed,
    name: 'agent-tasks',
    schema: TaskSchema,
    attempts: 2,
    backoff: { type: 'fixed', delay: 0 },
    retention: { completed: { count: 200, age: '1h' } },
  });
  const locks = createLocks({ store: stack.closed, ttl: '10s', wait: 0 });
  const llm = createLlmCache({ store: stack.guarded, ttl: '1h' });
  const model = createFakeModel({ latencyMs: options.modelLatencyMs ?? 400 });
  const realtime = createRealtime({
    store: stack.guarded,
    replay: 200,
    presenceTtl: '45s',
    heartbeat: '15s',
  });
  // Queue jobs per state and live sessions are read at scrape time (sessions at most once a minute).
  const metrics = createMetrics({ store: stack.cache, queues: [queue], sessions });
  const usage = createUsage({ store: stack.guarded, events: [{ feature: 'llm-cache', kind: 'saved' }] });
  const adminToken = options.adminToken;
  const handlers = createHandlers({
    store: stack.cache,
    metrics,
    authorize: adminToken
      ? ({ headers }) => headers.get('authorization') === `Bearer ${adminToken}`
      : undefined,
  });

  const live = (workspace: string) => realtime.workspace(workspace).channel('live', LiveEvent);
  const announce = (workspace: string, event: LiveEvent): void => {
    // Live updates are best effort: a failed publish must not fail the job.
    live(workspace)
      .publish(event)
      .catch(() => undefined);
  };

  const worker =
    options.workers === false
      ? undefined
      : queue.process(
          async (job) => {
            const { workspace, title, steps, fail } = job.data;
            announce(workspace, { type: 'task', id: job.id, title, state: 'running', progress: 0 });
            for (let step = 1; step <= steps; step++) {
              await sleep(stepMs, job.signal);
              await job.progress(step / steps);
              announce(workspace, {
                type: 'task',
                id: job.id,
                title,
                state: 'running',
                progress: step / steps,
              });
              if (
                step === Math.ceil(steps / 2) &&
                (fail === 'always' || (fail === 'once' && job.deliveries === 1))
              ) {
                const last = job.deliveries >= job.attempts;
                announce(workspace, {
                  type: 'task',
                  id: job.id,
                  title,
                  state: last ? 'failed' : 'retrying',
                  progress: step / steps,
                });
                throw new Error(
                  `the agent gave up on "${title}" at step ${step} (delivery ${job.deliveries})`,
                );
              }
            }
            announce(workspace, { type: 'task', id: job.id, title, state: 'completed', progress: 1 });
            return { summary: `${title}: ${steps} steps done`, deliveries: job.deliveries };
          },
          { concurrency: 4, timeout: '1m' },
        );

  return {
    cache,
    limiter,
    sessions,
    queue,
    locks,
    llm,
    model,
    realtime,
    metrics,
    usage,
    handlers,
    worker,
    stepMs,
    async close() {
      await worker?.close({ timeout: 2000 });
      await realtime.close();
      await locks.close();
      await llm.close();
      await cache.close();
      await usage.close?.();
      metrics.close();
    },
  };
}
