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
  'l1-hit': async () => (await import('./l1-hit.js')).default,
  'l1-miss': async () => (await import('./l1-miss.js')).default,
  'l1-miss-get-only': async () => (await import('./l1-miss-get-only.js')).default,
  'l1-raw-lru': async () => (await import('./l1-raw-lru.js')).default,
  'ratelimit-gcra': async () => (await import('./ratelimit-gcra.js')).default,
  'ratelimit-fixed-window': async () => (await import('./ratelimit-fixed-window.js')).default,
  'ratelimit-sliding-window': async () => (await import('./ratelimit-sliding-window.js')).default,
  'ratelimit-sliding-log': async () => (await import('./ratelimit-sliding-log.js')).default,
  'ratelimit-token-bucket': async () => (await import('./ratelimit-token-bucket.js')).default,
  'ratelimit-rlf': async () => (await import('./ratelimit-rlf.js')).default,
};

/** Load a scenario by name, or throw one that lists the known names. */
export async function loadScenario(name: string): Promise<Scenario> {
  const load = SCENARIOS[name];
  if (!load) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const scenario = await load();
  if (scenario.name !== name) throw new Error(`scenario file ${name} defines ${scenario.name}`);
  return scenario;
}
