import type { Scenario } from '../types.js';

/**
 * Every scenario, loaded on demand so that a bench process imports only the one it runs.
 * Add a scenario: one file in this folder plus one line here.
 */
export const SCENARIOS: Readonly<Record<string, () => Promise<Scenario>>> = {
  'store-get': async () => (await import('./store-get.js')).default,
  'store-set': async () => (await import('./store-set.js')).default,
  'store-script': async () => (await import('./store-script.js')).default,
  'raw-ioredis-get': async () => (await import('./raw-ioredis-get.js')).default,
  'raw-ioredis-set': async () => (await import('./raw-ioredis-set.js')).default,
  'raw-ioredis-script': async () => (await import('./raw-ioredis-script.js')).default,
  'raw-node-redis-get': async () => (await import('./raw-node-redis-get.js')).default,
  'raw-node-redis-set': async () => (await import('./raw-node-redis-set.js')).default,
  'raw-node-redis-script': async () => (await import('./raw-node-redis-script.js')).default,
  'l1-hit': async () => (await import('./l1-hit.js')).default,
  'l1-miss': async () => (await import('./l1-miss.js')).default,
  'l1-miss-get-only': async () => (await import('./l1-miss-get-only.js')).default,
  'l1-raw-lru': async () => (await import('./l1-raw-lru.js')).default,
  'l1-hit-metrics': async () => (await import('./l1-hit-metrics.js')).default,
  'ratelimit-gcra-metrics': async () => (await import('./ratelimit-gcra-metrics.js')).default,
  'cache-get-l1-metrics': async () => (await import('./cache-get-l1-metrics.js')).default,
  'ratelimit-gcra': async () => (await import('./ratelimit-gcra.js')).default,
  'ratelimit-fixed-window': async () => (await import('./ratelimit-fixed-window.js')).default,
  'ratelimit-sliding-window': async () => (await import('./ratelimit-sliding-window.js')).default,
  'ratelimit-sliding-log': async () => (await import('./ratelimit-sliding-log.js')).default,
  'ratelimit-token-bucket': async () => (await import('./ratelimit-token-bucket.js')).default,
  'ratelimit-rlf': async () => (await import('./ratelimit-rlf.js')).default,
  'ratelimit-upstash-ours': async () => (await import('./ratelimit-upstash-ours.js')).default,
  'ratelimit-upstash-peer': async () => (await import('./ratelimit-upstash-peer.js')).default,
  'cache-get-l1-raptorflow': async () => (await import('./cache-get-l1-raptorflow.js')).default,
  'cache-get-l1-bentocache': async () => (await import('./cache-get-l1-bentocache.js')).default,
  'cache-get-l1-cache-manager': async () => (await import('./cache-get-l1-cache-manager.js')).default,
  'cache-get-l1-cacheable': async () => (await import('./cache-get-l1-cacheable.js')).default,
  'codec-get-l2-json': async () => (await import('./codec-get-l2-json.js')).default,
  'codec-get-l2-encrypted': async () => (await import('./codec-get-l2-encrypted.js')).default,
  'cache-get-l2-raptorflow': async () => (await import('./cache-get-l2-raptorflow.js')).default,
  'cache-get-l2-raptorflow-encrypted': async () =>
    (await import('./cache-get-l2-raptorflow-encrypted.js')).default,
  'cache-get-l2-bentocache': async () => (await import('./cache-get-l2-bentocache.js')).default,
  'cache-get-l2-cache-manager': async () => (await import('./cache-get-l2-cache-manager.js')).default,
  'cache-get-l2-keyv': async () => (await import('./cache-get-l2-keyv.js')).default,
  'cache-miss-raptorflow': async () => (await import('./cache-miss-raptorflow.js')).default,
  'cache-miss-bentocache': async () => (await import('./cache-miss-bentocache.js')).default,
  'cache-miss-cache-manager': async () => (await import('./cache-miss-cache-manager.js')).default,
  'cache-miss-keyv': async () => (await import('./cache-miss-keyv.js')).default,
  'cache-miss-cacheable': async () => (await import('./cache-miss-cacheable.js')).default,
  'cache-set-raptorflow': async () => (await import('./cache-set-raptorflow.js')).default,
  'cache-set-bentocache': async () => (await import('./cache-set-bentocache.js')).default,
  'cache-set-cache-manager': async () => (await import('./cache-set-cache-manager.js')).default,
  'cache-set-keyv': async () => (await import('./cache-set-keyv.js')).default,
  'cache-set-cacheable': async () => (await import('./cache-set-cacheable.js')).default,
  'locks-raptorflow': async () => (await import('./locks-raptorflow.js')).default,
  'locks-redlock': async () => (await import('./locks-redlock.js')).default,
  'locks-sesame': async () => (await import('./locks-sesame.js')).default,
  'locks-contended-raptorflow': async () => (await import('./locks-contended-raptorflow.js')).default,
  'locks-contended-redlock': async () => (await import('./locks-contended-redlock.js')).default,
  'locks-contended-sesame': async () => (await import('./locks-contended-sesame.js')).default,
  'session-get-raptorflow': async () => (await import('./session-get-raptorflow.js')).default,
  'session-get-connect-redis': async () => (await import('./session-get-connect-redis.js')).default,
  'llm-cache-exact-hit-1k': async () => (await import('./llm-cache-exact-hit-1k.js')).default,
  'llm-cache-semantic-hit-1k': async () => (await import('./llm-cache-semantic-hit-1k.js')).default,
  'llm-cache-semantic-hit-10k': async () => (await import('./llm-cache-semantic-hit-10k.js')).default,
  'llm-cache-semantic-miss-1k': async () => (await import('./llm-cache-semantic-miss-1k.js')).default,
  'llm-cache-semantic-miss-10k': async () => (await import('./llm-cache-semantic-miss-10k.js')).default,
  'llm-cache-brute-force-1k': async () => (await import('./llm-cache-brute-force-1k.js')).default,
  'llm-cache-brute-force-10k': async () => (await import('./llm-cache-brute-force-10k.js')).default,
  // 100k entries take minutes to fill: only with RAPTORFLOW_BENCH_LLM_100K=1.
  ...(process.env.RAPTORFLOW_BENCH_LLM_100K === '1'
    ? {
        'llm-cache-semantic-hit-100k': async () => (await import('./llm-cache-semantic-hit-100k.js')).default,
        'llm-cache-semantic-miss-100k': async () =>
          (await import('./llm-cache-semantic-miss-100k.js')).default,
        'llm-cache-brute-force-100k': async () => (await import('./llm-cache-brute-force-100k.js')).default,
      }
    : {}),
  'queue-enqueue-raptorflow': async () => (await import('./queue-enqueue-raptorflow.js')).default,
  'queue-enqueue-many-raptorflow': async () => (await import('./queue-enqueue-many-raptorflow.js')).default,
  'queue-process-c1-raptorflow': async () => (await import('./queue-process-c1-raptorflow.js')).default,
  'queue-process-c16-raptorflow': async () => (await import('./queue-process-c16-raptorflow.js')).default,
  'queue-process-c64-raptorflow': async () => (await import('./queue-process-c64-raptorflow.js')).default,
  'queue-together-c64-raptorflow': async () => (await import('./queue-together-c64-raptorflow.js')).default,
  'queue-enqueue-bullmq': async () => (await import('./queue-enqueue-bullmq.js')).default,
  'queue-enqueue-many-bullmq': async () => (await import('./queue-enqueue-many-bullmq.js')).default,
  'queue-process-c1-bullmq': async () => (await import('./queue-process-c1-bullmq.js')).default,
  'queue-process-c16-bullmq': async () => (await import('./queue-process-c16-bullmq.js')).default,
  'queue-process-c64-bullmq': async () => (await import('./queue-process-c64-bullmq.js')).default,
  'queue-together-c64-bullmq': async () => (await import('./queue-together-c64-bullmq.js')).default,
  'queue-enqueue-bee-queue': async () => (await import('./queue-enqueue-bee-queue.js')).default,
  'queue-enqueue-many-bee-queue': async () => (await import('./queue-enqueue-many-bee-queue.js')).default,
  'queue-process-c1-bee-queue': async () => (await import('./queue-process-c1-bee-queue.js')).default,
  'queue-process-c16-bee-queue': async () => (await import('./queue-process-c16-bee-queue.js')).default,
  'queue-process-c64-bee-queue': async () => (await import('./queue-process-c64-bee-queue.js')).default,
  'queue-together-c64-bee-queue': async () => (await import('./queue-together-c64-bee-queue.js')).default,
  'queue-idle-raptorflow': async () => (await import('./queue-idle-raptorflow.js')).default,
  'queue-idle-bullmq': async () => (await import('./queue-idle-bullmq.js')).default,
  'queue-idle-bee-queue': async () => (await import('./queue-idle-bee-queue.js')).default,
};

/** Load a scenario by name, or throw one that lists the known names. */
export async function loadScenario(name: string): Promise<Scenario> {
  const load = SCENARIOS[name];
  if (!load) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const scenario = await load();
  if (scenario.name !== name) throw new Error(`scenario file ${name} defines ${scenario.name}`);
  return scenario;
}
