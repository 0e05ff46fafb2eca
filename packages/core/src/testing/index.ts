/**
 * `@raptorflow/core/testing`: the conformance suite every adapter and layer passes.
 * It imports vitest (an optional peer dependency of core), so import it from tests only.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
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

export {
  eventually,
  expectCode,
  randomPrefix,
  type SuiteContext,
  type SuiteGroup,
  scanAll,
  until,
} from './context.js';
export {
  type DifferentialRecord,
  type DifferentialStep,
  runScriptDifferential,
  type ScriptDifferentialOptions,
} from './differential.js';
export {
  COMPARE_AND_DELETE,
  FIXED_WINDOW,
  MIXED_REPLY,
  MOVE_FIELD,
  PCALL_INCR,
  PCALL_PASSTHROUGH,
  SCRIPT_TIME,
  TEST_SCRIPTS,
  ZADD_RANGE,
} from './scripts.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Shown in the suite's title, e.g. `memory` or `ioredis cluster`. */
  name: string;
  /**
   * Build a store. Called once for the shared root store (closed after the suite) and again
   * by the tests that close their own store.
   */
  create: () => KvStore | Promise<KvStore>;
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

  const ctx: SuiteContext = {
    name: options.name,
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
export {
  MATRIX_LAYERS,
  type MatrixLayer,
  type MatrixServers,
  type StoreMatrix,
  type StoreMatrixEntry,
  type StoreMatrixOptions,
  storeMatrix,
  TEST_CONNECTIONS,
} from './matrix.js';
