import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineScript,
  instrument,
  type KvStore,
  memoryAdapter,
  planFromEnv,
  withFailover,
  withL1,
} from '../src/index.js';

// The findings of the bad-input review (issue 20) that concern core: each failed before its fix.
// Store behaviour runs on memory and on a real Redis.

async function rejection(run: () => unknown): Promise<{ code?: string; name?: string; message?: string }> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    throw new Error(`threw synchronously: ${String(error)}`);
  }
  try {
    await result;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('resolved');
}

function thrown(run: () => unknown): { code?: string; name?: string; message?: string } {
  try {
    run();
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('did not throw');
}

describe.each(storeMatrix({ only: ['memory', 'ioredis', 'node-redis'] }))(
  'bad input on $name',
  ({ create }) => {
    let root: KvStore;
    let store: KvStore;
    const fresh = async (): Promise<KvStore> => {
      root ??= await create();
      store = root.namespace(randomPrefix());
      return store;
    };

    it('hgetall returns a field named __proto__ as an own field (finding 4)', async () => {
      const s = await fresh();
      await s.hset('h', JSON.parse('{"__proto__":"x","a":"b"}'));
      expect(await s.hlen('h')).toBe(2);
      const all = await s.hgetall('h');
      expect(Object.keys(all).sort()).toEqual(['__proto__', 'a']);
      expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toBe('x');
      expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    });

    it('mset and hset refuse a string or an array where a record belongs, sending nothing (finding 5)', async () => {
      const s = await fresh();
      expect((await rejection(() => s.mset('ab' as never))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.mset('x'.repeat(100_000) as never))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.mset(['a', 'b'] as never))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.hset('h', 'xyz' as never))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.hset('h', new Map([['a', 'b']]) as never))).code).toBe(
        'E_INVALID_ARGUMENT',
      );
      expect(await s.exists(['0', '1', 'h'])).toBe(0);
    });

    it('incrBy and hincrBy past 2^53 refuse to return a rounded number; the stored value stays exact (finding 12)', async () => {
      const s = await fresh();
      await s.set('n', '9007199254740990');
      expect((await rejection(() => s.incrBy('n', 5))).code).toBe('E_NOT_A_NUMBER');
      expect(await s.get('n')).toBe('9007199254740995');
      await s.hset('h', { f: '9007199254740990' });
      expect((await rejection(() => s.hincrBy('h', 'f', 5))).code).toBe('E_NOT_A_NUMBER');
      expect(await s.hget('h', 'f')).toBe('9007199254740995');
      // Below 2^53 the reply is the stored value. (At 2^53 - 1 itself ioredis's parser already
      // reads 9007199254740992, which the check refuses too.)
      await s.set('m', '9007199254740980');
      expect(await s.incrBy('m', 10)).toBe(9007199254740990);
      expect(await s.get('m')).toBe('9007199254740990');
    });

    it('eval, subscribe and publish reject bad arguments with E_INVALID_ARGUMENT, never a TypeError (finding 11)', async () => {
      const s = await fresh();
      const script = defineScript({
        name: 'echo',
        lua: 'return ARGV[1]',
        twin: (_c, _k, argv) => argv[0] ?? null,
      });
      expect((await rejection(() => s.eval(script, 'k' as never))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.eval(script, [], 'a' as never))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.eval(null as never, []))).code).toBe('E_INVALID_ARGUMENT');
      expect((await rejection(() => s.eval({ name: 'x' } as never, []))).code).toBe('E_INVALID_ARGUMENT');
      if (s.capabilities.pubsub) {
        expect((await rejection(() => s.subscribe(undefined as never, () => {}))).code).toBe(
          'E_INVALID_ARGUMENT',
        );
        expect((await rejection(() => s.publish(10n as never, 'm'))).code).toBe('E_INVALID_ARGUMENT');
      }
      expect((await rejection(() => s.pexpire('k', 100, Object.create(null)))).code).toBe(
        'E_INVALID_ARGUMENT',
      );
    });

    afterAll(async () => {
      await root?.close();
    });
  },
);

describe('factories check their arguments at construction (finding 11)', () => {
  const base = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => base.close());

  it.each([
    ['withL1(non-store)', () => withL1({} as never)],
    ['withL1(undefined)', () => withL1(undefined as never)],
    ['withFailover(non-store)', () => withFailover(5 as never)],
    [
      'withFailover({ fallback: non-store })',
      () => withFailover(base, { fallback: { driver: {} } as never }),
    ],
    ['instrument(non-store)', () => instrument('store' as never)],
    ['instrument({ events: 5 })', () => instrument(base, { events: 5 as never })],
    ['withL1({ max: 2 ** 40 })', () => withL1(base, { max: 2 ** 40 })],
    [
      'withL1({ only: Uint8Array }) (found by the fuzz: zod froze it and threw)',
      () => withL1(base, { only: new Uint8Array([1, 2]) as never }),
    ],
    ['defineScript({ lua: 5 })', () => defineScript({ name: 'x', lua: 5 as never, twin: () => null })],
    ['defineScript({ twin: "no" })', () => defineScript({ name: 'x', lua: 'return 1', twin: 'no' as never })],
    [
      'defineScript({ parse: 1 })',
      () => defineScript({ name: 'x', lua: 'return 1', twin: () => null, parse: 1 as never }),
    ],
    ['defineScript(undefined)', () => defineScript(undefined as never)],
    ['planFromEnv({ REDIS_URL: 5 })', () => planFromEnv({ REDIS_URL: 5 as never })],
    ['planFromEnv(null)', () => planFromEnv(null as never)],
    [
      'planFromEnv({ REDIS_KEY_PREFIX: lone surrogate }) (finding 9)',
      () => planFromEnv({ REDIS_KEY_PREFIX: 'p\uD800:' }),
    ],
  ])('%s is E_INVALID_OPTIONS', (_label, build) => {
    const error = thrown(build);
    expect(error.name).toBe('KvError');
    expect(error.code).toBe('E_INVALID_OPTIONS');
  });

  it('an instrument built with a valid Emitter still emits', async () => {
    const store = instrument(base);
    const names: string[] = [];
    store.events.on('call', (e) => names.push(e.name));
    await store.get('k');
    expect(names).toEqual(['GET']);
  });
});
