import { defineScenario, type Scenario } from '../types.js';
import { LONG_SETUP_MS, llmCacheScenario, SIZES } from './llm-cache-shared.js';

/** baseline: cosine scan of all 100k stored vectors in process (sparse) + guards (no index), per lookup. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-brute-force-100k',
  description:
    'baseline: cosine scan of all 100k stored vectors in process (sparse) + guards (no index), per lookup',
  adapters: ['memory', 'ioredis'],
  // The 100k-entry fill (setMany) and the brute-force sample take longer than the default.
  setupTimeoutMs: LONG_SETUP_MS,
  setup: (ctx) => llmCacheScenario(ctx, 'brute-force', SIZES['100k']),
});

export default scenario;
