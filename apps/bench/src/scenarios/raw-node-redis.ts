import type { RedisClientType } from 'redis';
import type { ScenarioContext } from '../types.js';

/** Keys per write when filling or cleaning up. */
const CHUNK = 500;

/** The part of a node-redis client the raw scenarios use. */
export type RawNodeRedis = Pick<RedisClientType, 'get' | 'set' | 'del' | 'close'>;

/**
 * A default node-redis 5 client (RESP2, its default): the baseline our node-redis adapter is
 * compared with. `redis` is imported here, at setup, so the parent process never loads it.
 * `scripts` are node-redis `defineScript`s to attach (the script baseline).
 */
export async function rawNodeRedis<S extends object = object>(
  ctx: ScenarioContext,
  scripts?: S,
): Promise<RedisClientType & S> {
  if (!ctx.redis) throw new Error('raw node-redis scenarios need a Redis server');
  const { createClient } = await import('redis');
  const client = createClient({ url: ctx.redis.url, ...(scripts ? { scripts: scripts as never } : {}) });
  client.on('error', () => {});
  await client.connect();
  return client as unknown as RedisClientType & S;
}

/** Write every fixture key with its value (untimed setup; the writes of one tick leave together). */
export async function rawNodeRedisFill(client: RawNodeRedis, ctx: ScenarioContext): Promise<void> {
  const { keys, values } = ctx.fixtures;
  for (let start = 0; start < keys.length; start += CHUNK) {
    const writes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(keys.length, start + CHUNK); i++) {
      writes.push(client.set(keys[i] as string, values[i] as string));
    }
    await Promise.all(writes);
  }
}

/** Delete the fixture keys and close the client. */
export async function rawNodeRedisTeardown(client: RawNodeRedis, ctx: ScenarioContext): Promise<void> {
  const { keys } = ctx.fixtures;
  for (let start = 0; start < keys.length; start += CHUNK) {
    await client.del(keys.slice(start, start + CHUNK));
  }
  await client.close();
}
