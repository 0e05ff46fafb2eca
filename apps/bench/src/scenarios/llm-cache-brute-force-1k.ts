import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** baseline: cosine scan of all 1k stored vectors in process (sparse) + guards (no index), per lookup. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-brute-force-1k',
  description:
    'baseline: cosine scan of all 1k stored vectors in process (sparse) + guards (no index), per lookup',
  adapters: ['memory', 'ioredis'],
  setup: (ctx) => llmCacheScenario(ctx, 'brute-force', SIZES['1k']),
});

export default scenario;
