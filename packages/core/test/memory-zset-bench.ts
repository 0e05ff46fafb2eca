/**
 * Sorted sets at 100k members on the memory adapter: inserts, range queries, ZPOPMIN.
 * Run: `npx tsx packages/core/test/memory-zset-bench.ts` (not a test; prints figures).
 */
import { memoryDriver } from '../src/adapters/memory.js';

const N = 100_000;
const driver = memoryDriver({ sweepIntervalMs: 0 });
const run = (argv: string[]) => driver.command({ argv, keys: [1], readonly: false });

// Inputs built outside the timed code.
const scores = Array.from({ length: N }, (_, i) => String((i * 7919) % N));
const members = Array.from({ length: N }, (_, i) => `job:${i}`);

async function time(label: string, ops: number, fn: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  console.log(
    `${label.padEnd(46)} ${ms.toFixed(1).padStart(8)} ms  ${((ms * 1000) / ops).toFixed(2).padStart(7)} µs/op`,
  );
}

await time(`ZADD ${N} members, one per command`, N, async () => {
  for (let i = 0; i < N; i++) await run(['ZADD', 'q', scores[i] as string, members[i] as string]);
});
await time('ZRANGEBYSCORE 1k windows, LIMIT 0 10', 1000, async () => {
  for (let i = 0; i < 1000; i++)
    await run(['ZRANGEBYSCORE', 'q', String(i * 100), '+inf', 'LIMIT', '0', '10']);
});
await time('ZRANGEBYSCORE 100 ranges of ~1000 members', 100, async () => {
  for (let i = 0; i < 100; i++) await run(['ZRANGEBYSCORE', 'q', String(i * 1000), `(${(i + 1) * 1000}`]);
});
await time('ZSCORE 100k lookups', N, async () => {
  for (let i = 0; i < N; i++) await run(['ZSCORE', 'q', members[i] as string]);
});
await time(`ZPOPMIN until empty (${N} pops)`, N, async () => {
  for (let i = 0; i < N; i++) await run(['ZPOPMIN', 'q']);
});
console.log('zcard after pops:', await run(['ZCARD', 'q']));
