/**
 * `@raptorflow/core/conformance`: the conformance suite every adapter and layer passes, on the
 * caller's test runner. It imports no runner (`test/conformance-node-test.test.ts` runs it under
 * `node:test`), so a third-party adapter can run it under vitest, jest or `node:test`.
 * `@raptorflow/core/testing` re-exports it beside the vitest-only helpers.
 */
import type { KvStore } from '../types.js';
import { randomPrefix, type SuiteContext, type SuiteGroup, scanAll } from './context.js';
import { batchGroup } from './group-batch.js';
import { closeGroup } from './group-close.js';
import { errorsGroup } from './group-errors.js';
import { expiryGroup } from './group-expiry.js';
import { hashesGroup } from './group-hashes.js';
import { listsGroup } from './group-lists.js';
import { namespacesGroup } from './group-namespaces.js';
import { pubsubGroup } from './group-pubsub.js';
import { scanGroup } from './group-scan.js';
import { scriptsGroup } from './group-scripts.js';
import { setsGroup } from './group-sets.js';
import { stringsGroup } from './group-strings.js';
import { zsetsGroup } from './group-zsets.js';

import type { ConformanceRunner } from './runner.js';

export {
  eventually,
  expectCode,
  randomPrefix,
  type SuiteContext,
  type SuiteGroup,
  scanAll,
  until,
} from './context.js';
export type {
  ConformanceAssertion,
  ConformanceBody,
  ConformanceExpect,
  ConformanceRunner,
} from './runner.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Shown in the suite's title, e.g. `memory` or `ioredis cluster`. */
  name: string;
  /**
   * Build a store. Called once for the shared root store (closed after the suite) and again
   * by the tests that close their own store.
   */
  create: () => KvStore | Promise<KvStore>;
  /**
   * The test runner's functions: `describe`, `it`, the four hooks and a jest-style `expect`.
   * Under vitest, `import * as vitest from 'vitest'` and pass `vitest`.
   */
  runner: ConformanceRunner;
}

const GROUPS: readonly SuiteGroup[] = [
  stringsGroup,
  expiryGroup,
  hashesGroup,
  zsetsGroup,
  listsGroup,
  setsGroup,
  scanGroup,
  scriptsGroup,
  batchGroup,
  namespacesGroup,
  pubsubGroup,
  errorsGroup,
  closeGroup,
];

/**
 * Register the conformance suite: grouped `describe` blocks that check one store against Redis
 * semantics. Each test runs in its own namespace (a random prefix), emptied afterwards, so
 * suites of several adapters can share one Redis. Capabilities are read from the store: pub/sub
 * tests expect `E_UNSUPPORTED` on a store without `capabilities.pubsub`.
 */
export function runConformance(options: ConformanceOptions): void {
  let root: KvStore | undefined;
  let current: KvStore | undefined;
  const extra: KvStore[] = [];

  const { describe, beforeAll, afterAll, beforeEach, afterEach } = options.runner;
  const ctx: SuiteContext = {
    name: options.name,
    runner: options.runner,
    store: () => {
      if (!current) throw new Error('conformance: store() is only available inside a test');
      return current;
    },
    root: () => {
      if (!root) throw new Error('conformance: the root store is not ready');
      return root;
    },
    create: async () => {
      const store = await options.create();
      extra.push(store);
      return store;
    },
  };

  describe(`conformance: ${options.name}`, () => {
    beforeAll(async () => {
      root = await options.create();
    });
    afterAll(async () => {
      await Promise.all(extra.map((s) => s.close().catch(() => {})));
      await root?.close();
    });
    beforeEach(() => {
      current = ctx.root().namespace(randomPrefix());
    });
    afterEach(async () => {
      const view = current;
      current = undefined;
      if (!view) return;
      const keys = await scanAll(view);
      // One key per DEL keeps this working on a Cluster whatever the slots.
      for (let i = 0; i < keys.length; i += 100) await view.del(keys.slice(i, i + 100));
    });
    for (const group of GROUPS) group(ctx);
  });
}
