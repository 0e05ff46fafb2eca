import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptedCodec, jsonCodec } from '@raptorflow/core/codecs';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { createRateLimiter } from '@raptorflow/ratelimit';
import { createSessions } from '@raptorflow/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, randomPrefix, runIn, servers } from './helpers.js';

const s = servers();
const dir = mkdtempSync(join(tmpdir(), 'raptorflow-cli-cmd-'));
const store = ioredisAdapter({ url: s.redis });
const prefixes: string[] = [];
const fresh = (tag: string): string => {
  const p = randomPrefix(tag);
  prefixes.push(p);
  return p;
};

afterAll(async () => {
  for (const p of prefixes) await runIn(['--url', s.redis, 'flush', '--prefix', p, '--yes']);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Report {
  scanned: number;
  findings: number;
  noTtl: { count: number; examples: string[] };
  unknownPrefix: { count: number; examples: string[] };
  oversized: { count: number; examples: string[] };
  largest: Array<{ key: string; bytes: number }>;
  staleLocks: { count: number; examples: string[] };
  staleSessions: { count: number; examples: string[] };
  staleHolders: { count: number; examples: string[] };
}

describe('audit and cleanup', () => {
  const p = fresh('audit');
  /** The audit flags that confine it to this test's keys and name its prefixes. */
  const flags = (root: string) => [
    '--url',
    s.redis,
    '--match',
    `${root}*`,
    '--known',
    `${root}app:`,
    '--known',
    `${root}locks:`,
    '--known',
    `${root}session:`,
    '--lock-prefix',
    `${root}locks:`,
    '--session-prefix',
    `${root}session:`,
    '--max-bytes',
    '2000',
  ];
  const audit = async (root: string): Promise<{ code: number; report: Report }> => {
    const r = await runIn(['audit', ...flags(root), '--json']);
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  };

  beforeAll(async () => {
    const ttl = { ttl: 600_000 };
    // A clean app: everything under known prefixes with a TTL, a live lock, a fencing counter.
    await store.set(`${p}app:user:1`, 'a', ttl);
    await store.set(`${p}app:user:2`, 'b', ttl);
    await store.set(`${p}locks:{r1}:lock`, 'owner', ttl);
    await store.set(`${p}locks:{r1}:fence`, '7');
    await store.zadd(`${p}locks:{r2}:holders`, { member: 'live', score: Date.now() + 3_600_000 });
    await store.pexpire(`${p}locks:{r2}:holders`, 3_600_000);
  });

  it('finds nothing in a clean store (exit 0)', async () => {
    const { code, report } = await audit(p);
    expect(report.scanned).toBe(5);
    expect(report.findings).toBe(0);
    expect(code).toBe(0);
  });

  it('finds each planted problem, with examples (exit 1)', async () => {
    const bad = fresh('audit-bad');
    await store.set(`${bad}app:ok`, 'fine', { ttl: 600_000 });
    await store.set(`${bad}app:forever`, 'no ttl');
    await store.set(`${bad}stray:x`, 'outside', { ttl: 600_000 });
    await store.set(`${bad}app:big`, 'x'.repeat(5000), { ttl: 600_000 });
    await store.set(`${bad}locks:{r9}:lock`, 'left behind');
    await store.set(`${bad}session:abc`, '{"user":1}');
    await store.zadd(`${bad}locks:{r8}:holders`, [
      { member: 'gone1', score: 1000 },
      { member: 'gone2', score: 2000 },
    ]);

    const { code, report } = await audit(bad);
    expect(code).toBe(1);
    expect(report.scanned).toBe(7);
    // No TTL: the plain key, the lock, the session and the holders set.
    expect(report.noTtl.examples.sort()).toEqual(
      [`${bad}app:forever`, `${bad}locks:{r9}:lock`, `${bad}session:abc`, `${bad}locks:{r8}:holders`].sort(),
    );
    expect(report.unknownPrefix).toEqual({ count: 1, examples: [`${bad}stray:x`] });
    expect(report.oversized).toEqual({ count: 1, examples: [`${bad}app:big`] });
    expect(report.largest[0]?.key).toBe(`${bad}app:big`);
    expect(report.staleLocks).toEqual({ count: 1, examples: [`${bad}locks:{r9}:lock`] });
    expect(report.staleSessions).toEqual({ count: 1, examples: [`${bad}session:abc`] });
    expect(report.staleHolders).toEqual({ count: 1, examples: [`${bad}locks:{r8}:holders`] });

    // The text report says the same.
    const text = await runIn(['audit', ...flags(bad)]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FOUND keys without a TTL: 4/);
    expect(text.stdout).toMatch(/FOUND keys outside the known prefixes \(.*\): 1\n {8}\S*stray:x\n/);
    expect(text.stdout).toMatch(/ok {4}keys of 2000 bytes or more: 0|FOUND keys of 2000 bytes or more: 1/);

    // cleanup: a dry run lists the leftovers and removes nothing.
    const dry = await runIn(['cleanup', ...flags(bad)]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/3 leftover keys \(dry run/);
    expect(
      await store.exists([`${bad}locks:{r9}:lock`, `${bad}session:abc`, `${bad}locks:{r8}:holders`]),
    ).toBe(3);

    const applied = await runIn(['cleanup', ...flags(bad), '--apply']);
    expect(applied.stdout).toMatch(/removed 3 of 3 leftover keys/);
    expect(
      await store.exists([`${bad}locks:{r9}:lock`, `${bad}session:abc`, `${bad}locks:{r8}:holders`]),
    ).toBe(0);
    // What is not a leftover stays: it is audit's to report, the operator's to decide.
    expect(await store.get(`${bad}app:forever`)).toBe('no ttl');
    const after = await audit(bad);
    expect([
      after.report.staleLocks.count,
      after.report.staleSessions.count,
      after.report.staleHolders.count,
    ]).toEqual([0, 0, 0]);
  });

  it('cleanup leaves a lock that was taken again (with a TTL) since it was read', async () => {
    const q = fresh('audit-race');
    // The script deletes only while the key has no TTL: give it one and nothing is removed.
    await store.set(`${q}locks:{r}:lock`, 'new owner', { ttl: 600_000 });
    const r = await runIn(['cleanup', ...flags(q), '--apply']);
    expect(r.stdout).toMatch(/removed 0 of 0 leftover keys/);
    expect(await store.get(`${q}locks:{r}:lock`)).toBe('new owner');
  });
});

describe('flush --prefix', () => {
  it('removes every key under the prefix and nothing else, in batches', async () => {
    const p = fresh('flush');
    const keep = fresh('flush-keep');
    await store.mset(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`${p}k${i}`, 'v'])));
    await store.set(`${keep}k`, 'stays');
    await store.set(`${p.slice(0, -1)}X`, 'a sibling prefix stays');
    const r = await runIn(['--url', s.redis, '--batch', '100', 'flush', '--prefix', p, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/removed 250 keys/);
    expect(await store.get(`${keep}k`)).toBe('stays');
    expect(await store.get(`${p.slice(0, -1)}X`)).toBe('a sibling prefix stays');
    await store.del(`${p.slice(0, -1)}X`);
  });

  it('asks first: with no terminal to ask on and no --yes it refuses and deletes nothing', async () => {
    const p = fresh('flush-ask');
    await store.set(`${p}k`, 'v');
    const r = await cli(['--url', s.redis, 'flush', '--prefix', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not confirmed/);
    expect(await store.get(`${p}k`)).toBe('v');
  });

  it('refuses an empty prefix (it never flushes a whole store)', async () => {
    const r = await runIn(['--url', s.redis, 'flush', '--prefix', '', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must not be empty/);
  });
});

describe('ratelimit reset', () => {
  it("clears one identifier's counters under every limit, and no one else's", async () => {
    const p = fresh('rl');
    // No in-process block cache: it would answer "blocked" without asking the store (see README).
    const limiter = createRateLimiter({ store, prefix: p, limit: 2, window: '1h', blockCache: false });
    for (let i = 0; i < 3; i++) {
      await limiter.limit('alice');
      await limiter.limit('bob');
    }
    expect((await limiter.limit('alice')).allowed).toBe(false);
    const r = await runIn(['--url', s.redis, 'ratelimit', 'reset', 'alice', '--prefix', p]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/removed [1-9]\d* keys/);
    expect((await limiter.limit('alice')).allowed).toBe(true);
    expect((await limiter.limit('bob')).allowed).toBe(false);
  });
});

describe('session revoke-user', () => {
  it("ends every session of one user and no one else's", async () => {
    const p = fresh('sess');
    const sessions = createSessions({ store, prefix: p });
    const alice = [
      await sessions.create('alice'),
      await sessions.create('alice'),
      await sessions.create('alice'),
    ];
    const bob = await sessions.create('bob');
    const r = await runIn(['--url', s.redis, 'session', 'revoke-user', 'alice', '--prefix', p]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/revoked 3 sessions of "alice"/);
    for (const { token } of alice) expect(await sessions.get(token)).toBeNull();
    expect(await sessions.list('alice')).toEqual([]);
    expect((await sessions.get(bob.token))?.userId).toBe('bob');
  });

  it('refuses a bad user id with one line and exit 2, touching nothing', async () => {
    const r = await runIn(['--url', s.redis, 'session', 'revoke-user', 'a\0b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/session revoke-user: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('reencrypt', () => {
  const b64 = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
  const K1 = b64(1);
  const K2 = b64(2);
  const K3 = b64(3);

  it('moves values under old keys to the current one, keeping TTLs and leaving the rest alone', async () => {
    const p = fresh('enc');
    const old1 = encryptedCodec(jsonCodec(), { current: 'k1', keys: { k1: K1 } });
    const old2 = encryptedCodec(jsonCodec(), { current: 'k2', keys: { k2: K2 } });
    const now = encryptedCodec(jsonCodec(), { current: 'k3', keys: { k1: K1, k2: K2, k3: K3 } });
    await store.set(`${p}a`, await old1.encode({ v: 'a' }), { ttl: 600_000 });
    await store.set(`${p}b`, await old2.encode({ v: 'b' }));
    await store.set(`${p}c`, await now.encode({ v: 'c' }));
    await store.set(`${p}plain`, '{"v":"plain"}');
    const env = { RAPTORFLOW_ENCRYPTION_KEYS: `k3=${K3},k1=${K1},k2=${K2}` };

    const dry = await runIn(['--url', s.redis, 'reencrypt', '--match', `${p}*`, '--dry-run'], env);
    expect(dry.stdout).toMatch(/would move 2 values/);
    expect(now.keyIdOf((await store.get(`${p}a`)) ?? '')).toBe('k1');

    const r = await runIn(['--url', s.redis, 'reencrypt', '--match', `${p}*`], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/moved 2 values to key "k3"; 1 already on it; 0 unreadable/);
    for (const k of ['a', 'b', 'c']) {
      const stored = (await store.get(`${p}${k}`)) ?? '';
      expect(now.keyIdOf(stored)).toBe('k3');
      expect(await now.decode(stored)).toEqual({ v: k });
    }
    expect(await store.pttl(`${p}a`)).toBeGreaterThan(500_000);
    expect(await store.pttl(`${p}b`)).toBe(-1);
    expect(await store.get(`${p}plain`)).toBe('{"v":"plain"}');
    // Only k3 is needed now.
    const retired = encryptedCodec(jsonCodec(), { current: 'k3', keys: { k3: K3 } });
    expect(await retired.decode((await store.get(`${p}a`)) ?? '')).toEqual({ v: 'a' });
  });

  it('a value no listed key opens is reported, left alone, and exits 1', async () => {
    const p = fresh('enc-bad');
    const stranger = encryptedCodec(jsonCodec(), { current: 'k1', keys: { k1: b64(9) } });
    const stored = await stranger.encode({ v: 1 });
    await store.set(`${p}x`, stored);
    const r = await runIn(['--url', s.redis, 'reencrypt', '--match', `${p}*`], {
      RAPTORFLOW_ENCRYPTION_KEYS: `k2=${K2},k1=${K1}`,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/cannot open .*fails authentication/);
    expect(await store.get(`${p}x`)).toBe(stored);
  });

  it('without keys in the environment it says which variable to set', async () => {
    const r = await runIn(['--url', s.redis, 'reencrypt', '--match', 'x*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/set RAPTORFLOW_ENCRYPTION_KEYS/);
  });
});

describe('connecting', () => {
  it('health and stats answer on Redis, the Cluster and Upstash', async () => {
    const p = fresh('stats');
    await store.mset({ [`${p}a:1`]: '1', [`${p}a:2`]: '2', [`${p}b:1`]: '3' });
    for (const args of [
      ['--url', s.redis],
      ['--url', s.cluster],
      ['--url', s.upstash, '--token', s.token],
    ]) {
      const h = await runIn([...args, 'health', '--samples', '2']);
      expect(h.code, h.stderr).toBe(0);
      expect(h.stdout).toMatch(/^ok: .*\nping: 2 samples/);
    }
    const st = await runIn(['--url', s.redis, 'stats', '--match', `${p}*`, '--depth', '2']);
    expect(st.stdout).toContain(`${p}a:  2`.replace(`${p}a:`, `${p}a:`.padEnd(Math.max(6, `${p}a:`.length))));
    expect(st.stdout).toMatch(/total\s+3/);
  });

  it('a wrong token, a wrong port and a wrong scheme are one clear line and exit 2', async () => {
    const token = await runIn(['--url', s.upstash, '--token', 'wrong', 'health']);
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/refused the credentials/);
    const port = await runIn(['--url', 'redis://127.0.0.1:1', 'health']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/cannot reach the server/);
    const scheme = await runIn(['--url', 'ftp://127.0.0.1', 'health']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/expected redis:\/\//);
    const db = await runIn(['--url', `${s.redis}/notanumber`, 'health']);
    expect(db.code).toBe(2);
    expect(db.stderr).toMatch(/--url: selects database "notanumber"/);
  });

  it('refuses bad arguments with exit 2 before touching a store', async () => {
    const batch = await runIn(['--url', s.redis, '--batch', '0', 'stats']);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch must be a whole number >= 1/);
    const same = await runIn(['migrate', '--from', s.redis, '--to', s.redis]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--from and --to are the same/);
    const missing = await runIn(['--url', s.redis, 'import', join(dir, 'no-such.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such\.jsonl: no such file/);
  });

  it('connects from the app environment (kvFromEnv) when no --url is given', async () => {
    const h = await runIn(['health', '--samples', '1'], { REDIS_URL: s.redis });
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^ok: ioredis \(from the environment\)/);
  });
});
