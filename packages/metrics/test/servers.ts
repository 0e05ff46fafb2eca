import type { TestServers } from '@raptorflow/testkit';
import { inject } from 'vitest';

// This package resolves its own vitest copy (its peers include @opentelemetry/api), which
// testkit's `ProvidedContext` augmentation does not reach: restate it here.
declare module 'vitest' {
  export interface ProvidedContext {
    raptorflow: TestServers;
  }
}

/** The servers of the vitest global setup (`@raptorflow/testkit`). */
export function testServers(): TestServers {
  return inject('raptorflow');
}
