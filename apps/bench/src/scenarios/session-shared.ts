import { defineScenario, type Scenario } from '../types.js';

/** Sessions read by the scenarios: 1,000, as in `research/perf-anchors.md` (connect-redis rows). */
export const SESSIONS = 1_000;

/**
 * The session both libraries hold: about 180 bytes of JSON, an express-session shape (its cookie
 * included) so connect-redis stores what it stores in production.
 */
export function sessionData(i: number): Record<string, unknown> {
  return {
    cookie: { originalMaxAge: 86_400_000, expires: '2026-12-03T12:00:00.000Z', httpOnly: true, path: '/' },
    userId: `user-${i}`,
    workspaceId: 'ws-42',
    role: 'member',
    csrf: 'Zm9vYmFyYmF6cXV4',
  };
}

/** A fixed 256-bit key for the encrypted row: the bench measures the cipher, not key handling. */
const ENCRYPTION = { current: 'k1', keys: { k1: new Uint8Array(32).fill(7) } };

/**
 * Ours: `sessions.get(token)` on ioredis: one plain GET while no touch is due (the default
 * throttle: a quarter of the 24 h TTL, at most 1 h), the script when one is; data parsed back
 * into an object, tokens hashed (SHA-256) on every call. `encrypted`: the same with
 * `encryption` (every data field sealed with AES-256-GCM, opened per read); its baseline is the
 * plain row, so `vs` is the share of it kept.
 */
export function ours(encrypted = false): Scenario {
  const name = encrypted ? 'session-get-raptorflow-encrypted' : 'session-get-raptorflow';
  return defineScenario({
    name,
    description: encrypted
      ? '@raptorflow/session get(token), data encrypted at rest (AES-256-GCM per field), 1,000 sessions (~180 B JSON)'
      : '@raptorflow/session get(token): a plain GET while no touch is due, the script when one is, 1,000 sessions (~180 B JSON)',
    adapters: ['memory', 'ioredis'],
    baseline: encrypted ? 'session-get-raptorflow' : 'session-get-connect-redis',
    async setup(ctx) {
      const { createSessions } = await import('@raptorflow/session');
      const store = await ctx.store();
      const prefix = `${ctx.fixtures.prefix}session${encrypted ? '-aes' : ''}:`;
      const sessions = createSessions({ store, prefix, ...(encrypted ? { encryption: ENCRYPTION } : {}) });
      const tokens: string[] = [];
      const users: string[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        users.push(`user-${i}`);
        tokens.push((await sessions.create(`user-${i}`, { data: sessionData(i) })).token);
      }
      return {
        async op(i) {
          const s = await sessions.get(tokens[i % SESSIONS] as string);
          if (s === null) throw new Error(`${name}: a session was not found`);
        },
        async teardown() {
          for (const user of users) await sessions.revokeAll(user);
        },
      };
    },
  });
}

/**
 * connect-redis 8.1.0 (the last line that takes ioredis) `store.get(sid)`: one GET and a
 * JSON.parse, on an ioredis client of its own with default options.
 */
export function connectRedis(): Scenario {
  return defineScenario({
    name: 'session-get-connect-redis',
    description:
      'connect-redis 8.1.0 store.get(sid) on ioredis (GET + JSON.parse), 1,000 sessions (~180 B JSON)',
    adapters: ['ioredis'],
    async setup(ctx) {
      if (!ctx.redis) throw new Error('connect-redis runs on Redis only');
      const { Redis } = await import('ioredis');
      const { RedisStore } = await import('connect-redis');
      const client = new Redis(ctx.redis.url);
      const prefix = `${ctx.fixtures.prefix}sess:`;
      const store = new RedisStore({ client, prefix, ttl: 86_400 });
      const sids = Array.from({ length: SESSIONS }, (_, i) => `sid-${i}`);
      for (const [i, sid] of sids.entries()) await store.set(sid, sessionData(i) as never);
      return {
        async op(i) {
          const s = await store.get(sids[i % SESSIONS] as string);
          if (s === null || s === undefined)
            throw new Error('session-get-connect-redis: a session was not found');
        },
        async teardown() {
          await client.del(...sids.map((sid) => `${prefix}${sid}`));
          client.disconnect();
        },
      };
    },
  });
}
