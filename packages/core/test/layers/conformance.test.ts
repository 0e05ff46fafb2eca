import * as vitest from 'vitest';
import { inject } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { withFailover } from '../../src/layers/failover.js';
import { instrument } from '../../src/layers/instrument.js';
import { withL1 } from '../../src/layers/l1.js';
import { runConformance } from '../../src/testing/index.js';

// Layers are stores: the whole suite runs on each stack.
const { redis, cluster } = inject('raptorflow');
const MAX_VALUE = 2 * 1024 * 1024;

runConformance({
  name: 'memory + L1',
  create: () => withL1(memoryAdapter({ maxValueBytes: MAX_VALUE })),
  runner: vitest,
});

runConformance({
  name: 'ioredis + L1',
  create: async () => {
    const store = withL1(ioredisAdapter({ url: redis.url }));
    await store.l1.ready;
    return store;
  },
  runner: vitest,
});

runConformance({
  name: 'ioredis cluster + L1',
  create: async () => {
    const store = withL1(ioredisAdapter({ cluster: { nodes: [...cluster.nodes] } }));
    await store.l1.ready;
    return store;
  },
  runner: vitest,
});

runConformance({
  name: 'failover(ioredis)',
  create: () =>
    withFailover(ioredisAdapter({ url: redis.url }), {
      fallback: memoryAdapter({ maxValueBytes: MAX_VALUE }),
      timeoutMs: 5000,
    }),
  runner: vitest,
});

runConformance({
  name: 'instrument(memory) with a listener',
  create: () => {
    const store = instrument(memoryAdapter({ maxValueBytes: MAX_VALUE }));
    store.events.on('call', () => {});
    return store;
  },
  runner: vitest,
});
