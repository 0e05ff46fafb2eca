import { eventually, expectCode, type SuiteContext, scanAll } from './context.js';
import { EXPIRY_BOUNDARY } from './scripts.js';

// Real time only: this group runs on Redis too, so it asserts states ("gone after expiry"),
// never elapsed milliseconds, and every wait is bounded.
const SHORT_TTL = 40;

/** Expiry: TTLs on set, pexpire (with conditions), pttl values, persist, and actual expiry. */
export function expiryGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('expiry', () => {
    it('pttl is -2 for a missing key, -1 without expiry, and within (0, ttl] with one', async () => {
      const kv = ctx.store();
      expect(await kv.pttl('missing')).toBe(-2);
      await kv.set('k', 'v');
      expect(await kv.pttl('k')).toBe(-1);
      await kv.set('t', 'v', { ttl: 60_000 });
      const left = await kv.pttl('t');
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(60_000);
    });

    it('a key is gone after its ttl, from get, exists, mget and scan', async () => {
      const kv = ctx.store();
      await kv.set('t', 'v', { ttl: SHORT_TTL });
      await kv.hset('h', { f: 'v' });
      expect(await kv.pexpire('h', SHORT_TTL)).toBe(true);
      expect(await eventually(async () => (await kv.get('t')) === null)).toBe(true);
      expect(await eventually(async () => (await kv.exists('h')) === 0)).toBe(true);
      expect(await kv.mget(['t'])).toEqual([null]);
      expect(await kv.pttl('t')).toBe(-2);
      expect(await kv.hgetall('h')).toEqual({});
      expect(await scanAll(kv)).toEqual([]);
    });

    it('a key lives through its expiry millisecond (PTTL 0); PEXPIREAT at now deletes at once', async () => {
      // One script reads TIME and sets the expiry to it. Redis 7.0 decides "expired" on the
      // script's start time (keyIsExpired: gone only when now > expiry), which is at or before
      // TIME, so the key lives; PTTL and PEXPIREAT's already-expired check read the live clock,
      // at or after TIME, so PTTL is 0 and PEXPIREAT deletes. Every store agrees, whatever the
      // script's duration. (TIME + 1 would race that duration on Redis: the fake-clock tests
      // of the memory adapter cover it.)
      const kv = ctx.store();
      const run = (offset: number, mode: 'set' | 'pexpireat') =>
        kv.eval(EXPIRY_BOUNDARY, ['{t}k'], [offset, mode]);
      expect(await run(0, 'set')).toEqual([1, 0, 'v']);
      expect(await run(0, 'pexpireat')).toEqual([0, -2, '']);
      expect(await run(-1000, 'set')).toEqual([0, -2, '']);
      expect(await run(-1000, 'pexpireat')).toEqual([0, -2, '']);
    });

    it('ttl must be a whole number of ms > 0 in set (E_INVALID_ARGUMENT before sending)', async () => {
      const kv = ctx.store();
      await expectCode(kv.set('k', 'v', { ttl: 0 }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.set('k', 'v', { ttl: -5 }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.set('k', 'v', { ttl: 1.5 }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.set('k', 'v', { ttl: Number.NaN }), 'E_INVALID_ARGUMENT');
      expect(await kv.exists('k')).toBe(0);
    });

    it('pexpire with 0 or a negative ttl deletes the key, like Redis', async () => {
      const kv = ctx.store();
      await kv.set('a', 'v');
      await kv.set('b', 'v');
      expect(await kv.pexpire('a', 0)).toBe(true);
      expect(await kv.pexpire('b', -100)).toBe(true);
      expect(await kv.exists(['a', 'b'])).toBe(0);
      expect(await kv.pexpire('missing', 1000)).toBe(false);
      await expectCode(kv.pexpire('a', 1.5), 'E_INVALID_ARGUMENT');
    });

    it('pexpire conditions NX, XX, GT, LT', async () => {
      const kv = ctx.store();
      await kv.set('k', 'v');
      expect(await kv.pexpire('k', 50_000, 'XX')).toBe(false);
      expect(await kv.pexpire('k', 50_000, 'GT')).toBe(false);
      expect(await kv.pexpire('k', 50_000, 'NX')).toBe(true);
      expect(await kv.pexpire('k', 60_000, 'NX')).toBe(false);
      expect(await kv.pexpire('k', 40_000, 'GT')).toBe(false);
      expect(await kv.pexpire('k', 70_000, 'GT')).toBe(true);
      expect(await kv.pexpire('k', 80_000, 'LT')).toBe(false);
      expect(await kv.pexpire('k', 30_000, 'LT')).toBe(true);
      expect(await kv.pexpire('k', 20_000, 'XX')).toBe(true);
      const left = await kv.pttl('k');
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(20_000);
      await kv.set('p', 'v');
      expect(await kv.pexpire('p', 10_000, 'LT')).toBe(true);
      await expectCode(kv.pexpire('k', 1000, 'ZZ' as 'NX'), 'E_INVALID_ARGUMENT');
    });

    it('persist removes a ttl; set clears it unless keepTtl; incrBy keeps it', async () => {
      const kv = ctx.store();
      expect(await kv.persist('missing')).toBe(false);
      await kv.set('k', 'v', { ttl: 60_000 });
      expect(await kv.persist('k')).toBe(true);
      expect(await kv.persist('k')).toBe(false);
      expect(await kv.pttl('k')).toBe(-1);
      await kv.set('k', 'v', { ttl: 60_000 });
      await kv.set('k', 'w', { keepTtl: true });
      expect(await kv.pttl('k')).toBeGreaterThan(0);
      await kv.set('k', 'x');
      expect(await kv.pttl('k')).toBe(-1);
      await kv.set('n', '1', { ttl: 60_000 });
      await kv.incrBy('n', 1);
      expect(await kv.pttl('n')).toBeGreaterThan(0);
    });

    it('pexpire on every data type, and type reports each', async () => {
      const kv = ctx.store();
      await kv.set('s', 'v');
      await kv.hset('h', { f: 'v' });
      await kv.zadd('z', { member: 'm', score: 1 });
      await kv.rpush('l', 'x');
      await kv.sadd('st', 'x');
      for (const [key, type] of [
        ['s', 'string'],
        ['h', 'hash'],
        ['z', 'zset'],
        ['l', 'list'],
        ['st', 'set'],
      ] as const) {
        expect(await kv.type(key)).toBe(type);
        expect(await kv.pexpire(key, 60_000)).toBe(true);
        expect(await kv.pttl(key)).toBeGreaterThan(0);
      }
      expect(await kv.type('missing')).toBe('none');
    });
  });
}
