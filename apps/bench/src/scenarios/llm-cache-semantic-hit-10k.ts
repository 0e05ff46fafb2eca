import { defineScenario, type Scenario } from '../types.js';
import { llmCacheScenario, MEDIUM_SETUP_MS, SIZES } from './llm-cache-shared.js';

/** @raptorflow/llm-cache get(): reworded prompt, exact miss + semantic hit, 10k entries in the partition. Inputs: llm-cache-shared.ts. */
const scenario: Scenario = defineScenario({
  name: 'llm-cache-semantic-hit-10k',
  description:
    '@raptorflow/llm-cache get(): reworded prompt, exact miss + semantic hit, 10k entries in the partition',
  adapters: ['memory', 'ioredis'],
  // The 10k-entry fill and sample can outlast the default on a loaded machine.
  setupTimeoutMs: MEDIUM_SETUP_MS,
  baseline: 'llm-cache-brute-force-10k',
  setup: (ctx) => llmCacheScenario(ctx, 'semantic-hit', SIZES['10k']),
});

export default scenario;
