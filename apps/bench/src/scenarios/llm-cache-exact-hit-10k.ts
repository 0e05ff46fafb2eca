import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 10k entries. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-exact-hit-10k',
  description:
    '@raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 10k entries',
  adapters: ['memory', 'ioredis'],
  setup: (ctx) => llmCacheScenario(ctx, 'exact-hit', SIZES['10k']),
});

export default scenario;
