import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 1k entries. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-exact-hit-1k',
  description:
    '@raptorflow/llm-cache get(): exact hit (one script: the exact probe of the partition), 1k entries',
  adapters: ['memory', 'ioredis'],
  setup: (ctx) => llmCacheScenario(ctx, 'exact-hit', SIZES['1k']),
});

export default scenario;
