import { defineScenario, type Scenario } from '../types.js';
import { LONG_SETUP_MS, llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 100k entries. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-exact-hit-100k',
  description:
    '@raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 100k entries',
  adapters: ['memory', 'ioredis'],
  // The 100k-entry fill (setMany) and the brute-force sample take longer than the default.
  setupTimeoutMs: LONG_SETUP_MS,
  setup: (ctx) => llmCacheScenario(ctx, 'exact-hit', SIZES['100k']),
});

export default scenario;
