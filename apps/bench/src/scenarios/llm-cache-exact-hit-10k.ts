import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, MEDIUM_SETUP_MS, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 10k entries. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-exact-hit-10k',
  description:
    '@raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 10k entries',
  adapters: ['memory', 'ioredis'],
  // The 10k-entry fill and sample can outlast the default on a loaded machine.
  setupTimeoutMs: MEDIUM_SETUP_MS,
  setup: (ctx) => llmCacheScenario(ctx, 'exact-hit', SIZES['10k']),
});

export default scenario;
