import { fileURLToPath } from 'node:url';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { randomPrefix } from '@raptorflow/core/testing';
import { runTsChild, stopTsChildren } from '@raptorflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createUsage } from '../src/index.js';
import { testServers } from './servers.js';

const CHILD = fileURLToPath(new URL('./fixtures/usage-writer.ts', import.meta.url));
const servers = testServers();
afterAll(stopTsChildren);

const RECORDS = process.env.RAPTORFLOW_LONG ? 20_000 : 1500;

/** What one writer adds per workspace, computed the way the writer builds its records. */
function expected(
  records: number,
): Map<string, { calls: number; inputTokens: number; outputTokens: number; micros: number }> {
  const out = new Map<string, { calls: number; inputTokens: number; outputTokens: number; micros: number }>();
  for (let i = 0; i < records; i++) {
    const ws = `w${i % 3}`;
    const e = out.get(ws) ?? { calls: 0, inputTokens: 0, outputTokens: 0, micros: 0 };
    e.calls++;
    e.inputTokens += 1 + (i % 5);
    e.outputTokens += i % 3;
    e.micros += i % 7;
    out.set(ws, e);
  }
  return out;
}

describe('usage across three processes writing at once', () => {
  it('totals are exact: every token, call and micro-unit of cost', async () => {
    const prefix = `${randomPrefix()}usage:`;
    const startAt = Date.now() + 3000; // the children need time to start (tsx)
    const input = { host: servers.redis.host, port: servers.redis.port, prefix, startAt, records: RECORDS };
    const kids = [0, 1, 2].map((seed) =>
      runTsChild<{ sent: number }>(CHILD, { ...input, seed }, { timeoutMs: 50_000 }),
    );
    for (const k of kids) k.catch(() => undefined);
    const sent = await Promise.all(kids);
    expect(sent.map((s) => s.sent)).toEqual([RECORDS, RECORDS, RECORDS]);
    const store = ioredisAdapter({ host: servers.redis.host, port: servers.redis.port });
    try {
      const usage = createUsage({ store, prefix });
      const one = expected(RECORDS);
      for (const ws of ['w0', 'w1', 'w2']) {
        const e = one.get(ws);
        const { total } = await usage.report(ws, { from: Date.now() - 86_400_000, to: Date.now() });
        expect(total.calls).toBe(3 * (e?.calls ?? 0));
        expect(total.inputTokens).toBe(3 * (e?.inputTokens ?? 0));
        expect(total.outputTokens).toBe(3 * (e?.outputTokens ?? 0));
        expect(Math.round(total.cost * 1e6)).toBe(3 * (e?.micros ?? 0));
      }
    } finally {
      await store.close();
    }
    // Longer than the children's own limit: on a busy machine three tsx start-ups alone can
    // pass the suite's 20 s default.
  }, 60_000);
});
