import { defineScenario, type Scenario } from '../types.js';
import { LONG_SETUP_MS, llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): reworded prompt, exact miss + semantic hit, 100k entries in the partition. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-semantic-hit-100k',
  description:
    '@raptorflow/llm-cache get(): reworded prompt, exact miss + semantic hit, 100k entries in the partition',
  adapters: ['memory', 'ioredis'],
  // The 100k-entry fill (setMany) and the brute-force sample take longer than the default.
  setupTimeoutMs: LONG_SETUP_MS,
  baseline: 'llm-cache-brute-force-100k',
  setup: (ctx) => llmCacheScenario(ctx, 'semantic-hit', SIZES['100k']),
});

export default scenario;
