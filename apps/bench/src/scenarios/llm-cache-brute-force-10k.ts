import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, MEDIUM_SETUP_MS, SIZES } from './llm-cache-shared.js';

/** baseline: cosine scan of all 10k stored vectors in process (sparse) + guards (no index), per lookup. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-brute-force-10k',
  description:
    'baseline: cosine scan of all 10k stored vectors in process (sparse) + guards (no index), per lookup',
  adapters: ['memory', 'ioredis'],
  // The 10k-entry fill and sample can outlast the default on a loaded machine.
  setupTimeoutMs: MEDIUM_SETUP_MS,
  setup: (ctx) => llmCacheScenario(ctx, 'brute-force', SIZES['10k']),
});

export default scenario;
