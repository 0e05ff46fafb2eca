import { describe, expect, it } from 'vitest';
import { isKvError } from '../../src/errors.js';
import {
  COMPARE_AND_DELETE,
  COMPARE_AND_EXTEND,
  COMPARE_AND_SET,
  compareAndDeleteArgs,
  compareAndExtendArgs,
  compareAndSetArgs,
  FENCING_COUNTER,
  fencingCounterArgs,
} from '../../src/kit/index.js';
import { expectCode, randomPrefix } from '../../src/testing/context.js';
import { storeMatrix } from '../../src/testing/matrix.js';
import type { KvStore } from '../../src/types.js';

// Core's primitive scripts on every store of the matrix (memory's twins and the Lua bodies on
// redis-server, Cluster and the Upstash REST server); differential.test.ts compares them raw.

const HOUR = 3_600_000;

describe.each(storeMatrix({ optIn: 'all' }))('primitive scripts on $name', ({ create }) => {
  async function store(): Promise<KvStore> {
    return (await create()).namespace(randomPrefix());
  }

  it('compare-and-set writes only over the expected value', async () => {
    const kv = await store();
    await kv.set('k', 'a');
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs('x', 'b'))).toBe(false);
    expect(await kv.get('k')).toBe('a');
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs('a', 'b'))).toBe(true);
    expect(await kv.get('k')).toBe('b');
    // A missing key holds no value, not the empty string; a key holding '' matches ''.
    expect(await kv.eval(COMPARE_AND_SET, ['none'], compareAndSetArgs('', 'v'))).toBe(false);
    expect(await kv.exists('none')).toBe(0);
    await kv.set('empty', '');
    expect(await kv.eval(COMPARE_AND_SET, ['empty'], compareAndSetArgs('', 'v'))).toBe(true);
    expect(await kv.get('empty')).toBe('v');
  });

  it('compare-and-set with null expects the key to be absent, whatever its type', async () => {
    const kv = await store();
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs(null, 'first'))).toBe(true);
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs(null, 'second'))).toBe(false);
    expect(await kv.get('k')).toBe('first');
    await kv.hset('h', { f: 'v' });
    expect(await kv.eval(COMPARE_AND_SET, ['h'], compareAndSetArgs(null, 'x'))).toBe(false);
    // Comparing a value reads it with GET: a key of another type is a caller's mistake.
    await expectCode(kv.eval(COMPARE_AND_SET, ['h'], compareAndSetArgs('v', 'x')), 'E_WRONG_TYPE');
    expect(await kv.type('h')).toBe('hash');
  });

  it('compare-and-set sets the TTL given, and none without one (a plain SET)', async () => {
    const kv = await store();
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs(null, 'a', HOUR))).toBe(true);
    const ttl = await kv.pttl('k');
    expect(ttl).toBeGreaterThan(HOUR - 60_000);
    expect(ttl).toBeLessThanOrEqual(HOUR);
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs('a', 'b', '2h'))).toBe(true);
    expect(await kv.pttl('k')).toBeGreaterThan(HOUR);
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs('b', 'c'))).toBe(true);
    expect(await kv.pttl('k')).toBe(-1);
    // A failed compare leaves the TTL alone.
    await kv.set('t', 'a', { ttl: HOUR });
    expect(await kv.eval(COMPARE_AND_SET, ['t'], compareAndSetArgs('x', 'b'))).toBe(false);
    expect(await kv.pttl('t')).toBeGreaterThan(0);
  });

  it('compare-and-set refuses an unknown mode sent by hand (E_SCRIPT), writing nothing', async () => {
    const kv = await store();
    await kv.set('k', 'a');
    await expectCode(kv.eval(COMPARE_AND_SET, ['k'], ['a', 'a', 'b', '']), 'E_SCRIPT');
    expect(await kv.get('k')).toBe('a');
  });

  it("a command's error inside a script keeps the command's code on every store", async () => {
    // SET PX 0 fails with "invalid expire time": E_INVALID_ARGUMENT, as outside a script, also
    // though Redis appends "script: <sha>, on @user_script:N." to it.
    const kv = await store();
    await expectCode(kv.eval(COMPARE_AND_SET, ['k'], ['absent', '', 'v', '0']), 'E_INVALID_ARGUMENT');
    expect(await kv.exists('k')).toBe(0);
  });

  it('compare-and-delete deletes only the holder of the token', async () => {
    const kv = await store();
    await kv.set('lock', 'owner-1', { ttl: HOUR });
    expect(await kv.eval(COMPARE_AND_DELETE, ['lock'], compareAndDeleteArgs('owner-2'))).toBe(false);
    expect(await kv.get('lock')).toBe('owner-1');
    expect(await kv.eval(COMPARE_AND_DELETE, ['lock'], compareAndDeleteArgs('owner-1'))).toBe(true);
    expect(await kv.exists('lock')).toBe(0);
    expect(await kv.eval(COMPARE_AND_DELETE, ['lock'], compareAndDeleteArgs('owner-1'))).toBe(false);
  });

  it('compare-and-extend replaces the TTL only for the holder of the token', async () => {
    const kv = await store();
    await kv.set('lock', 'owner-1', { ttl: 60_000 });
    expect(await kv.eval(COMPARE_AND_EXTEND, ['lock'], compareAndExtendArgs('owner-2', HOUR))).toBe(false);
    expect(await kv.pttl('lock')).toBeLessThanOrEqual(60_000);
    expect(await kv.eval(COMPARE_AND_EXTEND, ['lock'], compareAndExtendArgs('owner-1', '1h'))).toBe(true);
    expect(await kv.pttl('lock')).toBeGreaterThan(60_000);
    // Replaced, not added: a shorter TTL shortens it.
    expect(await kv.eval(COMPARE_AND_EXTEND, ['lock'], compareAndExtendArgs('owner-1', 30_000))).toBe(true);
    expect(await kv.pttl('lock')).toBeLessThanOrEqual(30_000);
    expect(await kv.get('lock')).toBe('owner-1');
    expect(await kv.eval(COMPARE_AND_EXTEND, ['gone'], compareAndExtendArgs('owner-1', HOUR))).toBe(false);
    expect(await kv.exists('gone')).toBe(0);
  });

  it('the fencing counter hands out increasing, distinct tokens, also under concurrency', async () => {
    const kv = await store();
    expect(await kv.eval(FENCING_COUNTER, ['fence'], fencingCounterArgs())).toBe(1);
    expect(await kv.eval(FENCING_COUNTER, ['fence'], fencingCounterArgs())).toBe(2);
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => kv.eval(FENCING_COUNTER, ['fence'], fencingCounterArgs())),
    );
    expect(new Set(tokens).size).toBe(20);
    expect(Math.min(...tokens)).toBe(3);
    expect(Math.max(...tokens)).toBe(22);
    expect(await kv.pttl('fence')).toBe(-1);
    await kv.set('word', 'x');
    await expectCode(kv.eval(FENCING_COUNTER, ['word'], fencingCounterArgs()), 'E_NOT_A_NUMBER');
  });

  it('keys are declared: a namespace view confines every script to its prefix', async () => {
    const root = await store();
    const kv = root.namespace('tenant:');
    expect(await kv.eval(COMPARE_AND_SET, ['k'], compareAndSetArgs(null, 'v'))).toBe(true);
    expect(await kv.eval(FENCING_COUNTER, ['n'], fencingCounterArgs())).toBe(1);
    expect(await root.get('tenant:k')).toBe('v');
    expect(await root.get('tenant:n')).toBe('1');
    expect(await root.exists(['k', 'n'])).toBe(0);
  });
});

describe('primitive script encoders', () => {
  it('lay out ARGV as the scripts read it', () => {
    expect(compareAndSetArgs('a', 'b')).toEqual(['value', 'a', 'b', '']);
    expect(compareAndSetArgs(null, 'b', '30s')).toEqual(['absent', '', 'b', '30000']);
    expect(compareAndSetArgs('', '', 1)).toEqual(['value', '', '', '1']);
    expect(compareAndDeleteArgs('tok')).toEqual(['tok']);
    expect(compareAndExtendArgs('tok', '1.5m')).toEqual(['tok', '90000']);
    expect(fencingCounterArgs()).toEqual([]);
  });

  it.each([
    ['a TTL of 0', () => compareAndSetArgs('a', 'b', 0), 'compareAndSetArgs: ttl: must be > 0 ms, got 0'],
    ['a negative TTL', () => compareAndExtendArgs('t', -1), 'compareAndExtendArgs: ttl: must be > 0 ms'],
    [
      'a fraction of a ms',
      () => compareAndExtendArgs('t', 1.5),
      'compareAndExtendArgs: ttl: expected a whole',
    ],
    [
      'a TTL that is no duration',
      () => compareAndSetArgs('a', 'b', 'soon' as never),
      'ttl: expected a duration',
    ],
    ['a number as expected value', () => compareAndSetArgs(1 as never, 'b'), 'compareAndSetArgs: expected:'],
    ['undefined as expected value', () => compareAndSetArgs(undefined as never, 'b'), 'expected: must be'],
    [
      'a number as new value',
      () => compareAndSetArgs('a', 2 as never),
      'compareAndSetArgs: value: expected a string, got 2',
    ],
    [
      'a missing token',
      () => compareAndDeleteArgs(undefined as never),
      'compareAndDeleteArgs: token: expected a string',
    ],
    [
      'a BigInt token',
      () => compareAndExtendArgs(1n as never, 10),
      'compareAndExtendArgs: token: expected a string, got 1n',
    ],
  ])('refuse %s with E_INVALID_ARGUMENT', (_, call, message) => {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    expect(isKvError(caught) && caught.code).toBe('E_INVALID_ARGUMENT');
    expect((caught as Error).message).toContain(message);
  });
});
