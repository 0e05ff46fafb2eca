import { memoryAdapter, scriptSha } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runScriptDifferential } from '@raptorflow/core/testing';
import type { TestServers } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  APPEND,
  encodeAppendArgs,
  PRESENCE_LIST,
  PRESENCE_TOUCH,
  type PresenceListReply,
  REALTIME_SCRIPTS,
} from '../src/index.js';

const servers: TestServers = inject('raptorflow');
let run = 0;
const prefix = () => {
  run += 1;
  return `rtdiff:{${process.pid}-${run}}:`;
};

describe('scripts', () => {
  it('each declares its keys, has a package-scoped name and the SHA of its Lua', () => {
    expect(REALTIME_SCRIPTS.length).toBe(3);
    for (const script of REALTIME_SCRIPTS) {
      expect(script.name).toMatch(/^realtime-[a-z-]+$/);
      expect(script.keys).toBeTypeOf('number');
      expect(script.sha).toBe(scriptSha(script.lua));
    }
    expect(new Set(REALTIME_SCRIPTS.map((s) => s.name)).size).toBe(REALTIME_SCRIPTS.length);
  });

  it('encodes ARGV as strings', () => {
    expect(encodeAppendArgs('{"a":1}', 100, 3_600_000)).toEqual(['{"a":1}', '100', '3600000']);
  });
});

/*
 * The twins are trusted because of these: each sequence runs on redis-server, then replays on
 * memory with the clock pinned to Redis's instants; replies and keys must be identical. PEXPIRE
 * counts from Redis's own clock, so expiry instants are not compared (the TTLs are long).
 */
describe('differential: Lua on redis-server and the twin on memory agree', () => {
  it('APPEND numbers messages and keeps only the last `replay` of them', async () => {
    const p = prefix();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: APPEND,
      keys: [`${p}seq`, `${p}log`],
      compareExpiry: false,
      steps: ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', 'x:y'].map((payload) => ({
        args: encodeAppendArgs(payload, 3, 60_000),
      })),
    });
    expect(redis.map((r) => r.reply)).toEqual([1, 2, 3, 4, 5]);
    // The buffer holds ids 3..5 only, each member `<id>:<payload>` (a payload may hold ':').
    const last = redis.at(-1)?.dump[`${p}log`];
    expect(JSON.stringify(last)).toContain('5:x:y');
    expect(JSON.stringify(last)).not.toContain('2:{');
  });

  it('PRESENCE_TOUCH scores a member by the store clock', async () => {
    const p = prefix();
    await runScriptDifferential({
      redis: servers.redis,
      script: PRESENCE_TOUCH,
      keys: [`${p}room`],
      compareExpiry: false,
      clockOf: (now) => now,
      steps: [{ args: ['ada', '30000'] }, { args: ['bob', '30000'] }, { args: ['ada', '30000'], pauseMs: 5 }],
    });
  });

  it('PRESENCE_LIST prunes members older than the ttl, then lists the rest newest first', async () => {
    const p = prefix();
    const clockOf = (r: PresenceListReply) => r.now;
    // One instant for both sides' setup, read before the run: the scores must be identical.
    const probe = ioredisAdapter({ url: servers.redis.url });
    const t = Math.floor(await probe.time());
    await probe.close();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: PRESENCE_LIST,
      keys: [`${p}room`],
      clockOf,
      setup: async (store) => {
        const now = t;
        await store.zadd(`${p}room`, [
          { member: 'gone', score: Math.floor(now) - 120_000 },
          { member: 'old', score: Math.floor(now) - 20_000 },
          { member: 'new', score: Math.floor(now) - 1_000 },
          { member: 'future', score: Math.floor(now) + 50_000 },
        ]);
      },
      steps: [{ args: ['60000', '10'] }, { args: ['10000', '2'] }, { args: ['10000', '10'] }],
    });
    expect(redis.map((r) => (r.reply as PresenceListReply).members.map((m) => m.member))).toEqual([
      ['future', 'new', 'old'],
      ['future', 'new'],
      ['future', 'new'],
    ]);
  });
});

describe('on the memory store’s clock', () => {
  let now = 1_700_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('a member is present until exactly ttl after its last touch', async () => {
    expect(await store.eval(PRESENCE_TOUCH, ['r'], ['ada', '1000'])).toBe(now);
    now += 1000;
    expect((await store.eval(PRESENCE_LIST, ['r'], ['1000', '10'])).members).toEqual([
      { member: 'ada', lastSeen: now - 1000 },
    ]);
    now += 1;
    expect((await store.eval(PRESENCE_LIST, ['r'], ['1000', '10'])).members).toEqual([]);
    expect(await store.zcard('r')).toBe(0);
  });
});
