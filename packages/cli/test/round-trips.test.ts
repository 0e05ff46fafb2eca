import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIn } from './helpers.js';

/*
 * What the server sees (INFO commandstats on a Redis of this file's own, so no other test's
 * commands land in the count): per key, import sends one write (SET with PX) and export reads
 * TYPE, GET and PTTL; the batches are the round trips the summary reports.
 */
let redis: RedisServer;
const dir = mkdtempSync(join(tmpdir(), 'raptorflow-cli-rt-'));
const file = join(dir, 'in.jsonl');

beforeAll(async () => {
  redis = await startRedis();
  const lines = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({ key: `k${i}`, type: 'string', value: `v${i}`, ttl: i % 3 === 0 ? null : 600_000 }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The data commands of a count (connection set-up and tear-down (CLIENT SETINFO, QUIT) left out). */
const data = (counts: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(counts).filter(
      ([name]) => !name.startsWith('client') && name !== 'select' && name !== 'quit',
    ),
  );

describe('commands per key and round trips per batch', () => {
  it('import: one SET per key, one round trip per batch', async () => {
    let stderr = '';
    const counts = await countCommands(redis, async () => {
      const r = await runIn(['--url', redis.url, '--batch', '100', 'import', file]);
      expect(r.code, r.stderr).toBe(0);
      stderr = r.stderr;
    });
    expect(data(counts)).toEqual({ set: 300 });
    expect(stderr).toMatch(/round trips: 3;/);
  });

  it('export: SCAN pages, then TYPE, GET and PTTL per key in two round trips per batch', async () => {
    const out = join(dir, 'out.jsonl');
    let stderr = '';
    const counts = await countCommands(redis, async () => {
      const r = await runIn(['--url', redis.url, '--batch', '100', 'export', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      stderr = r.stderr;
    });
    const { scan = 0, ...perKey } = data(counts);
    expect(perKey).toEqual({ type: 300, get: 300, pttl: 300 });
    expect(scan).toBeGreaterThanOrEqual(1);
    const trips = Number(/round trips: (\d+);/.exec(stderr)?.[1]);
    // The summary counts the SCAN pages that returned keys (the driver hands out no empty page;
    // the server counted `scan`, empty ones included) plus two round trips per batch. A batch is
    // handed out once its pages reach 100 keys and a page may hold more than its COUNT, so 300 keys
    // make two to four batches.
    const fits = [2, 3, 4].some((batches) => {
      const pages = trips - 2 * batches;
      return pages >= 1 && pages <= scan && batches <= pages;
    });
    expect(fits, `${trips} round trips, ${scan} SCAN pages on the server`).toBe(true);
  });

  it('flush: SCAN pages and one UNLINK per batch, never FLUSHALL or FLUSHDB', async () => {
    const counts = await countCommands(redis, async () => {
      const r = await runIn(['--url', redis.url, '--batch', '100', 'flush', '--prefix', 'k', '--yes']);
      expect(r.stdout).toMatch(/removed 300 keys/);
    });
    const { scan = 0, unlink = 0, ...rest } = data(counts);
    expect(rest).toEqual({});
    expect(scan).toBeGreaterThanOrEqual(1);
    expect(unlink).toBeGreaterThanOrEqual(3);
    expect(unlink).toBeLessThanOrEqual(4);
  });
});
