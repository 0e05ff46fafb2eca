import type { Redis } from 'ioredis';
import type { BenchRedis, ScenarioContext } from '../types.js';

/** Keys per pipeline when filling or cleaning up. */
const CHUNK = 500;

/**
 * A default ioredis client (no auto-pipelining) speaking RESP2: the baseline our
 * adapter is compared with. ioredis is imported here, at setup, so the parent process (which
 * loads every scenario definition) never loads it.
 */
export async function rawClient(ctx: ScenarioContext): Promise<Redis> {
  const redis: BenchRedis | undefined = ctx.redis;
  if (!redis) throw new Error('raw ioredis scenarios need a Redis server');
  const { Redis } = await import('ioredis');
  // RESP2 like the adapter's own client, so the ratio shows the adapter's cost, not the protocol's.
  const client = new Redis(redis.url, { lazyConnect: true, protocol: 2 });
  await client.connect();
  return client;
}

/** Write every fixture key with its value (untimed setup). */
export async function rawFill(client: Redis, ctx: ScenarioContext): Promise<void> {
  const { keys, values } = ctx.fixtures;
  for (let start = 0; start < keys.length; start += CHUNK) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(keys.length, start + CHUNK); i++) {
      pipeline.set(keys[i] as string, values[i] as string);
    }
    await pipeline.exec();
  }
}

/** Delete the fixture keys and close the client. */
export async function rawTeardown(client: Redis, ctx: ScenarioContext): Promise<void> {
  const { keys } = ctx.fixtures;
  for (let start = 0; start < keys.length; start += CHUNK) {
    await client.del(...keys.slice(start, start + CHUNK));
  }
  await client.quit();
}
