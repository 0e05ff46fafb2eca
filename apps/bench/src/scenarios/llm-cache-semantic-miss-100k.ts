import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): unrelated prompt, exact miss + semantic lookup that finds nothing, 100k entries. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-semantic-miss-100k',
  description:
    '@raptorflow/llm-cache get(): unrelated prompt, exact miss + semantic lookup that finds nothing, 100k entries',
  adapters: ['memory', 'ioredis'],
  setup: (ctx) => llmCacheScenario(ctx, 'semantic-miss', SIZES['100k']),
});

export default scenario;
