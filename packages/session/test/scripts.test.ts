import { defineScript, type KvStore, type Script, scriptSha } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import {
  CREATE,
  DESTROY,
  ES_SCAN,
  ES_WRITE,
  EXTEND,
  encodeCreateArgs,
  encodeGetArgs,
  encodeUpdateArgs,
  formatRecord,
  GET,
  type GetReply,
  LIST,
  type ListReply,
  REVOKE_ALL,
  ROTATE,
  SESSION_SCRIPTS,
  UPDATE,
} from '../src/index.js';

/*
 * The twins are trusted only because this test exists: core's `runScriptDifferential` runs each
 * sequence on redis-server, then replays it on memory with the clock pinned to Redis's instants,
 * and asserts identical replies, errors and keys (values and absolute expiries) step by step.
 * Scripts that take a key prefix (the tag's indexes or records) get the keys they reach through
 * it appended to KEYS: the Lua and the twin ignore them, the harness dumps them.
 */

const servers = inject('raptorflow');
let run = 0;
const space = () => {
  run += 1;
  return `sessdiff:{${process.pid}-${run}}:`;
};
const ID1 = 'a'.repeat(64);
const ID2 = 'b'.repeat(64);
const UH = 'c'.repeat(64);
const HOUR = 3_600_000;

// Planting only: an absolute expiry (the store API has relative PEXPIRE), the same on both sides.
const PEXPIREAT_SCRIPT = defineScript({
  name: 'test-pexpireat',
  keys: 1,
  lua: "return redis.call('PEXPIREAT', KEYS[1], ARGV[1])",
  twin: (ctx, keys, args) => ctx.call('PEXPIREAT', keys[0] as string, args[0] as string),
});

/** A record (format 2) planted with absolute instants around `base`, so both sides hold the same thing. */
async function plant(store: KvStore, p: string, id: string, base: number, extra: { x?: string } = {}) {
  const e = base + HOUR;
  const head = {
    t: String(base - 600_000),
    e: String(e),
    x: extra.x ?? String(base + 2 * HOUR),
    i: String(HOUR),
    c: String(base - 600_000),
    h: UH,
    f: 'fp1',
  };
  await store.set(`${p}s:${id}`, formatRecord(head, 'acme', 'alice', '{"role":"admin",\n"n":1}'));
}

/** A record of format 1 (a hash, as versions before the one-string record wrote it). */
async function plantV1(store: KvStore, p: string, id: string, base: number, data: Record<string, string>) {
  await store.hset(`${p}s:${id}`, {
    u: 'alice',
    h: UH,
    w: 'acme',
    c: String(base - 600_000),
    t: String(base - 600_000),
    e: String(base + HOUR),
    x: String(base + 2 * HOUR),
    i: String(HOUR),
    f: 'fp1',
    ...Object.fromEntries(Object.entries(data).map(([k, v]) => [`d.${k}`, v])),
  });
}

/**
 * The same script with no fixed key count, so the keys it reaches through a prefix can ride in
 * KEYS for the harness to dump. Same Lua, same twin, same parser.
 */
const open = <R>(script: Script<R>): Script<R> =>
  defineScript({ name: script.name, lua: script.lua, twin: script.twin, parse: script.parse });

describe('scripts', () => {
  it('each has a package-scoped name and the SHA Redis computes', async () => {
    expect(SESSION_SCRIPTS.length).toBe(10);
    const redis = new Redis({ host: servers.redis.host, port: servers.redis.port });
    try {
      for (const script of SESSION_SCRIPTS) {
        expect(script.name).toMatch(/^session-[a-z-]+$/);
        expect(script.sha).toBe(scriptSha(script.lua));
        expect(await redis.script('LOAD', script.lua)).toBe(script.sha);
      }
    } finally {
      await redis.quit();
    }
  });
});

describe('Lua and twin agree (differential on redis-server)', () => {
  const base = Date.now();
  const plantExpiry = async (store: KvStore, key: string, at: number) => {
    await store.eval(PEXPIREAT_SCRIPT, [key], [String(at)]);
  };

  it('CREATE', async () => {
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(CREATE),
      keys: [`${p}s:${ID1}`, `${p}u:`, `${p}u:${UH}`, `${p}a`],
      steps: [
        { args: encodeCreateArgs(ID1, 'alice', UH, 'acme', HOUR, 2 * HOUR, 'fp', '{"role":"admin"}') },
        // The same record again (a new token never collides, but the script starts clean anyway).
        { args: encodeCreateArgs(ID1, 'alice', UH, '', 1000, 500, '', '{}') },
      ],
      clockOf: (r) => r.now,
      setup: async (store) => {
        // An expired index entry, pruned by the create; a live one, kept.
        await store.zadd(`${p}u:${UH}`, [
          { score: base - 5_000, member: 'old' },
          { score: base + 10 * HOUR, member: ID2 },
        ]);
        await plantExpiry(store, `${p}u:${UH}`, base + 10 * HOUR);
        // The tag's active set: 10 expired members (a create prunes 8 of them: bounded work) and a live one.
        await store.zadd(`${p}a`, [
          ...Array.from({ length: 10 }, (_, i) => ({ score: base - 5_000 + i, member: `gone${i}` })),
          { score: base + 10 * HOUR, member: ID2 },
        ]);
      },
    });
    expect(((redis[0]?.dump[`${p}a`]?.[1] ?? []) as string[]).length / 2).toBe(1 + 2 + 1);
    expect(redis[1]?.dump[`${p}a`]?.[1]).toEqual([ID1, expect.any(String), ID2, String(base + 10 * HOUR)]);
  });

  it('GET: touch when due, never past the cap, refusals write nothing', async () => {
    const p = space();
    const keys = [`${p}s:${ID1}`, `${p}u:${UH}`, `${p}a`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(GET),
      keys,
      steps: [
        { args: encodeGetArgs(60_000, ID1, 'fp2', true, undefined) }, // fingerprint refused
        { args: encodeGetArgs(60_000, ID1, '', false, 'other') }, // workspace refused
        { args: encodeGetArgs(60_000, ID1, 'fp2', false, 'acme') }, // touched
        { args: encodeGetArgs(60_000, ID1, 'fp1', true, undefined) }, // within the throttle
        { args: encodeGetArgs(0, ID1, '', false, undefined) }, // touched again
      ],
      clockOf: (r) => (r === null ? 0 : r.now),
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [{ score: base + HOUR, member: ID1 }]);
        await plantExpiry(store, `${p}u:${UH}`, base + HOUR);
        await store.zadd(`${p}a`, [
          { score: base + HOUR, member: ID1 },
          { score: base - 1, member: 'gone' },
        ]);
      },
    });
    const seen = redis.map(({ reply: r }) =>
      r === null || 'error' in r ? r : r.status === 'ok' ? ['ok', r.touched] : [r.status],
    );
    expect(seen).toEqual([['fingerprint'], ['workspace'], ['ok', true], ['ok', false], ['ok', true]]);
    const touched = redis[2]?.reply as { now: number; record: { expiresAt: number; touchedAt: number } };
    expect(touched.record.expiresAt).toBe(touched.now + HOUR);
    expect(touched.record.touchedAt).toBe(touched.now);
    // The touch moved the session's score in the tag's active set and pruned the expired member.
    expect(redis[2]?.dump[`${p}a`]?.[1]).toEqual([ID1, String(touched.now + HOUR)]);
  });

  it('GET of a record past its expiry deletes it, its index entry and its active member', async () => {
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(GET),
      keys: [`${p}s:${ID1}`, `${p}u:${UH}`, `${p}a`],
      steps: [{ args: encodeGetArgs(0, ID1, '', false, undefined) }],
      // No clockOf: the reply is nil, so the replay runs at the TIME read just before the call.
      setup: async (store) => {
        // No key expiry: the record outlived its own `e` (as a clock step can leave it).
        await plant(store, p, ID1, base - 2 * HOUR);
        await store.zadd(`${p}u:${UH}`, [{ score: base - HOUR, member: ID1 }]);
        await store.zadd(`${p}a`, [
          { score: base - HOUR, member: ID1 },
          { score: base + HOUR, member: ID2 },
        ]);
      },
    });
    expect(redis[0]?.reply).toBeNull();
    expect(redis[0]?.dump[`${p}a`]?.[1]).toEqual([ID2, String(base + HOUR)]);
  });

  it('GET at the cap: no extension, no write', async () => {
    const p = space();
    await runScriptDifferential({
      redis: servers.redis,
      script: open(GET),
      keys: [`${p}s:${ID1}`, `${p}u:${UH}`, `${p}a`],
      steps: [{ args: encodeGetArgs(0, ID1, '', false, undefined) }],
      clockOf: (r) => (r === null ? 0 : r.now),
      setup: async (store) => {
        await plant(store, p, ID1, base, { x: String(base + HOUR) });
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
      },
    });
  });

  it('UPDATE', async () => {
    const p = space();
    await runScriptDifferential({
      redis: servers.redis,
      script: UPDATE,
      keys: [`${p}s:${ID1}`, `${p}s:${ID2}`],
      steps: [
        { args: encodeUpdateArgs(['"a":1', '"b":"x"', '"n":[1,{"k":"v,\\n"}]'], ['"role":']) },
        { args: encodeUpdateArgs([], ['"a":']) },
        { args: encodeUpdateArgs(['"b":null', '"q\\"\\\\":2'], ['"n":']) },
        { args: encodeUpdateArgs([], ['"b":', '"q\\"\\\\":']) },
      ],
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
      },
    });
    // A missing session: nothing is written.
    const q = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: UPDATE,
      keys: [`${q}s:${ID1}`],
      steps: [{ args: encodeUpdateArgs(['"a":1'], []) }],
    });
    expect(redis[0]?.reply).toBe(false);
    expect(redis[0]?.dump).toEqual({});
  });

  it('EXTEND', async () => {
    const p = space();
    await runScriptDifferential({
      redis: servers.redis,
      script: open(EXTEND),
      keys: [`${p}s:${ID1}`, `${p}u:`, `${p}u:${UH}`, `${p}a`],
      steps: [{ args: [ID1, String(HOUR / 2)] }, { args: [ID1, String(10 * HOUR)] }],
      clockOf: (r) => (r === null ? 0 : r.now),
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [{ score: base + HOUR, member: ID1 }]);
        await store.zadd(`${p}a`, [{ score: base + HOUR, member: ID1 }]);
      },
    });
  });

  it('DESTROY', async () => {
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(DESTROY),
      keys: [`${p}s:${ID1}`, `${p}u:`, `${p}u:${UH}`, `${p}a`],
      steps: [{ args: [ID1] }, { args: [ID1] }],
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [
          { score: base + HOUR, member: ID1 },
          { score: base + HOUR, member: ID2 },
        ]);
        await store.zadd(`${p}a`, [
          { score: base + HOUR, member: ID1 },
          { score: base + HOUR, member: ID2 },
        ]);
      },
    });
    expect(redis.map((r) => r.reply)).toEqual([true, false]);
    expect(redis[0]?.dump[`${p}a`]?.[1]).toEqual([ID2, String(base + HOUR)]);
  });

  it('ROTATE', async () => {
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(ROTATE),
      keys: [`${p}s:${ID1}`, `${p}s:${ID2}`, `${p}u:`, `${p}u:${UH}`, `${p}a`],
      steps: [{ args: [ID1, ID2] }, { args: [ID1, ID2] }],
      clockOf: (r) => (r === null ? 0 : r.now),
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [{ score: base + HOUR, member: ID1 }]);
        await plantExpiry(store, `${p}u:${UH}`, base + HOUR);
        await store.zadd(`${p}a`, [{ score: base + HOUR, member: ID1 }]);
      },
    });
    expect(redis[1]?.reply).toBeNull();
    expect(redis[0]?.dump[`${p}a`]?.[1]).toEqual([ID2, String(base + HOUR)]);
  });

  it('LIST prunes expired and dangling entries', async () => {
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(LIST),
      keys: [`${p}u:${UH}`, `${p}s:`, `${p}s:${ID1}`, `${p}a`],
      steps: [{ args: [] }, { args: [] }],
      clockOf: (r) => r.now,
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [
          { score: base + HOUR, member: ID1 },
          { score: base - 1_000, member: 'expired' },
          { score: base + 2 * HOUR, member: ID2 }, // no record
        ]);
        await store.zadd(`${p}a`, [
          { score: base + HOUR, member: ID1 },
          { score: base + 2 * HOUR, member: ID2 },
        ]);
      },
    });
    expect(redis[0]?.dump[`${p}a`]?.[1]).toEqual([ID1, String(base + HOUR)]);
    expect((redis[0] as { reply: ListReply }).reply.sessions.map((s) => s.id)).toEqual([ID1]);
    expect(redis[1]?.dump[`${p}u:${UH}`]?.[1]).toEqual([ID1, String(base + HOUR)]);
  });

  it('REVOKE_ALL keeps `except`', async () => {
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(REVOKE_ALL),
      keys: [`${p}u:${UH}`, `${p}s:`, `${p}s:${ID1}`, `${p}s:${ID2}`, `${p}a`],
      steps: [{ args: [ID2] }, { args: [''] }],
      setup: async (store) => {
        await plant(store, p, ID1, base);
        await plant(store, p, ID2, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await plantExpiry(store, `${p}s:${ID2}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [
          { score: base + HOUR, member: ID1 },
          { score: base + 2 * HOUR, member: ID2 },
        ]);
        // Another user's session of the same tag stays.
        await store.zadd(`${p}a`, [
          { score: base + HOUR, member: ID1 },
          { score: base + 2 * HOUR, member: ID2 },
          { score: base + HOUR, member: 'other' },
        ]);
      },
    });
    expect(redis.map((r) => r.reply)).toEqual([1, 1]);
    expect(Object.keys(redis[1]?.dump ?? {})).toEqual([`${p}a`]);
    expect(redis[1]?.dump[`${p}a`]?.[1]).toEqual(['other', String(base + HOUR)]);
  });

  // Field names JSON.stringify escapes (quote, backslash, control characters) and some it does not.
  const V1_DATA = {
    role: '"admin"',
    'a"b\\c': '{"x":[1,2.5,"y"]}',
    'line\nbreak\ttab\u0001': 'null',
    'ünï/😀': '"v"',
  };

  it('format-1 records (hashes) convert in place on the first read, with the same expiry', async () => {
    const p = space();
    const keys = [`${p}s:${ID1}`, `${p}u:${UH}`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(GET),
      keys,
      steps: [
        { args: encodeGetArgs(60_000, ID1, '', false, 'acme') }, // converted, touched
        { args: encodeGetArgs(60_000, ID1, '', false, undefined) }, // format 2 now, within the throttle
      ],
      clockOf: (r) => (r === null ? 0 : r.now),
      setup: async (store) => {
        await plantV1(store, p, ID1, base, V1_DATA);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [{ score: base + HOUR, member: ID1 }]);
      },
    });
    const first = redis[0]?.reply as Exclude<GetReply, null | { status: 'workspace' | 'fingerprint' }>;
    expect(first.touched).toBe(true);
    expect(JSON.parse(first.record.data)).toEqual({
      role: 'admin',
      'a"b\\c': { x: [1, 2.5, 'y'] },
      'line\nbreak\ttab\u0001': null,
      'ünï/😀': 'v',
    });
    expect(first.record).toMatchObject({ userId: 'alice', workspaceId: 'acme', fingerprint: 'fp1' });
  });

  it('format-1 records convert for UPDATE, EXTEND, ROTATE, DESTROY and LIST too', async () => {
    for (const [script, steps, extra] of [
      [UPDATE, [{ args: encodeUpdateArgs(['"role":"user"', '"z":1'], ['"a\\"b\\\\c":']) }], []],
      [open(EXTEND), [{ args: [ID1, String(HOUR / 2)] }], ['u:', `u:${UH}`, 'a']],
      [open(ROTATE), [{ args: [ID1, ID2] }], [`s:${ID2}`, 'u:', `u:${UH}`, 'a']],
      [open(DESTROY), [{ args: [ID1] }], ['u:', `u:${UH}`, 'a']],
    ] as const) {
      const p = space();
      await runScriptDifferential({
        redis: servers.redis,
        script: script as Script<unknown>,
        keys: [`${p}s:${ID1}`, ...extra.map((k) => p + k)],
        steps: steps as unknown as { args: string[] }[],
        clockOf: (r) =>
          Array.isArray(r)
            ? Number(r[0])
            : typeof r === 'object' && r !== null && 'now' in r
              ? Number(r.now)
              : 0,
        setup: async (store) => {
          await plantV1(store, p, ID1, base, V1_DATA);
          await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
          await store.zadd(`${p}u:${UH}`, [{ score: base + HOUR, member: ID1 }]);
        },
      });
    }
    const p = space();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(LIST),
      keys: [`${p}u:${UH}`, `${p}s:`, `${p}s:${ID1}`, `${p}s:${ID2}`],
      steps: [{ args: [] }],
      clockOf: (r) => r.now,
      setup: async (store) => {
        await plantV1(store, p, ID1, base, V1_DATA);
        await plant(store, p, ID2, base);
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await plantExpiry(store, `${p}s:${ID2}`, base + HOUR);
        await store.zadd(`${p}u:${UH}`, [
          { score: base + HOUR, member: ID1 },
          { score: base + HOUR, member: ID2 },
        ]);
      },
    });
    expect((redis[0] as { reply: ListReply }).reply.sessions.map((s) => s.id).sort()).toEqual([ID1, ID2]);
  });

  it('ES_WRITE: set, touch, a touch of a gone session writes nothing, ttl <= 0 deletes', async () => {
    const p = space();
    const keys = [`${p}s:${ID1}`, `${p}index`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: ES_WRITE,
      keys,
      steps: [
        { args: ['set', ID1, String(HOUR), '{"a":1}'] },
        { args: ['touch', ID1, String(2 * HOUR)] },
        { args: ['set', ID1, '0', ''] },
        { args: ['touch', ID1, String(HOUR)] },
      ],
      setup: async (store) => {
        await store.zadd(`${p}index`, [{ score: base - 5_000, member: 'old' }]);
      },
      clockOf: (r) => r.now,
    });
    expect(redis.map((r) => ('written' in r.reply ? r.reply.written : r.reply))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(redis[3]?.dump).toEqual({});
  });

  it('ES_SCAN: all, ids and clear prune and list from the index', async () => {
    const p = space();
    const keys = [`${p}index`, `${p}s:`, `${p}s:${ID1}`, `${p}s:${ID2}`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: open(ES_SCAN),
      keys,
      steps: [{ args: ['all'] }, { args: ['ids'] }, { args: ['clear'] }, { args: ['ids'] }],
      setup: async (store) => {
        await store.set(`${p}s:${ID1}`, '{"a":1}');
        await plantExpiry(store, `${p}s:${ID1}`, base + HOUR);
        await store.zadd(`${p}index`, [
          { score: base + HOUR, member: ID1 },
          { score: base + HOUR, member: ID2 }, // gone
          { score: base - 1_000, member: 'expired' },
        ]);
      },
    });
    expect(redis.map((r) => r.reply)).toEqual([[ID1, '{"a":1}'], [ID1], [1], []]);
  });
});
