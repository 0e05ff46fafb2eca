import { type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUICK_SETTINGS, runBench } from '../src/harness.js';
import type { BenchRow } from '../src/protocol.js';
import { formatTable } from '../src/report.js';

// Structure and Redis command counts only: timings depend on the machine and are never asserted.
// The counts come from INFO commandstats, so the test uses a server of its own: the shared test
// server sees other test files' commands at the same time.
/**
 * Each test starts several child processes (tsx compiles the harness in each): seconds on an idle
 * machine, much more with both cores busy. A bound on a hang only; nothing is decided on time.
 */
const HANG_BOUND_MS = 180_000;

describe('bench harness (quick mode, own Redis)', () => {
  let server: RedisServer;
  let redis: { host: string; port: number; url: string };

  beforeAll(async () => {
    server = await startRedis();
    redis = { host: server.host, port: server.port, url: server.url };
  });

  afterAll(async () => {
    await server?.stop();
  });

  it(
    'runs store-get and its raw baseline in child processes and counts one GET per operation',
    async () => {
      const rows = await runBench({
        ...QUICK_SETTINGS,
        filter: ['store-get', 'raw-ioredis-get'],
        adapters: ['ioredis'],
        concurrency: [1, 16],
        redis,
      });

      expect(rows.map((r) => `${r.scenario}/${r.adapter}/${r.concurrency}`)).toEqual([
        'store-get/ioredis/1',
        'store-get/ioredis/16',
        'raw-ioredis-get/ioredis/1',
        'raw-ioredis-get/ioredis/16',
      ]);
      for (const row of rows) {
        expect(row.ops).toBeGreaterThan(0);
        expect(row.ops).toBeLessThanOrEqual(QUICK_SETTINGS.maxOps);
        expect(row.opsPerSec).toBeGreaterThan(0);
        expect(row.latencyUs.p99).toBeGreaterThanOrEqual(row.latencyUs.p50);
        expect(row.clientCpuUsPerOp).toBeGreaterThan(0);
        expect(row.redisCpuUsPerOp).not.toBeNull();
        expect(row.notes).toEqual([]);
        // INFO commandstats deltas around the measured period: exactly one GET per operation.
        expect(row.commands).toEqual({
          calls: row.ops,
          perOp: 1,
          byName: { get: { calls: row.ops, perOp: 1 } },
        });
        // MONITOR sample: the client sends one GET and no script runs.
        expect(row.monitor).toMatchObject({
          ops: QUICK_SETTINGS.monitorOps,
          clientPerOp: 1,
          scriptPerOp: 0,
          client: { get: { calls: QUICK_SETTINGS.monitorOps, perOp: 1 } },
        });
      }
      const [store1, store16, raw1] = rows as [BenchRow, BenchRow, BenchRow];
      expect(store1.baseline).toEqual({
        scenario: 'raw-ioredis-get',
        ratio: store1.opsPerSec / raw1.opsPerSec,
      });
      expect(store16.baseline?.scenario).toBe('raw-ioredis-get');
      expect(raw1.baseline).toBeNull();

      const table = formatTable(rows);
      expect(table.split('\n')).toHaveLength(2 + rows.length);
      expect(table).toContain('1 (get 1)');
    },
    HANG_BOUND_MS,
  );

  it(
    'counts script-internal commands apart from the EVALSHA the client sends',
    async () => {
      const rows = await runBench({
        ...QUICK_SETTINGS,
        filter: ['store-script'],
        adapters: ['ioredis'],
        concurrency: [4],
        redis,
      });
      const [row] = rows as [BenchRow];
      expect(rows).toHaveLength(1);
      // Setup opened every window, so each operation is one EVALSHA with one INCR inside it.
      expect(row.commands).toEqual({
        calls: 2 * row.ops,
        perOp: 2,
        byName: { evalsha: { calls: row.ops, perOp: 1 }, incr: { calls: row.ops, perOp: 1 } },
      });
      const sample = QUICK_SETTINGS.monitorOps;
      expect(row.monitor).toEqual({
        ops: sample,
        clientPerOp: 1,
        scriptPerOp: 1,
        client: { evalsha: { calls: sample, perOp: 1 } },
        script: { incr: { calls: sample, perOp: 1 } },
      });
    },
    HANG_BOUND_MS,
  );
});
