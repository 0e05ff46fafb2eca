import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): reworded prompt, exact miss + semantic hit, 1k entries in the partition. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-semantic-hit-1k',
  description:
    '@raptorflow/llm-cache get(): reworded prompt, exact miss + semantic hit, 1k entries in the partition',
  adapters: ['memory', 'ioredis'],
  baseline: 'llm-cache-brute-force-1k',
  setup: (ctx) => llmCacheScenario(ctx, 'semantic-hit', SIZES['1k']),
});

export default scenario;
