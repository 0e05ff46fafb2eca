import { writeSync } from 'node:fs';
import { createFuzzHarness, storeMatrix } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../src/commands.js';
import { KV_ERROR_CODES } from '../src/errors.js';
import {
  defineScript,
  instrument,
  isKvError,
  type KvStore,
  memoryAdapter,
  planFromEnv,
  withFailover,
  withL1,
} from '../src/index.js';
import { COMMAND_SAMPLES } from './fixtures/command-samples.js';

// Bad input never crashes the process, never loses data and always gets a typed error (issue 20).
// Generated hostile arguments go to every store command and method, on memory and on a real
// Redis; generated hostile options go to every factory. Each call must:
// - return a promise (a promise-returning API never throws synchronously),
// - settle (no hang) with a value or a KvError whose code is one of core's,
// - change no key it does not name: sentinel keys of every type sit beside the fuzzed keys and
//   are compared after every call they were not named in.
// `pnpm verify:long` (RAPTORFLOW_LONG=1) runs 20 times the calls.

const LONG = process.env.RAPTORFLOW_LONG === '1';
const RUNS = LONG ? 4000 : 200;
const KNOWN_CODES = new Set<string>(Object.values(KV_ERROR_CODES));

/** The contract checks and the outcome counts, shared with the feature packages' fuzz suites. */
const fuzz = createFuzzHarness({ timeoutMs: 10_000 });
beforeAll(() => fuzz.start());
afterAll(() => {
  fuzz.stop();
  console.log(fuzz.report(`core fuzz (${LONG ? 'long' : 'small'}): outcomes`));
  expect(fuzz.unhandled).toEqual([]);
  // Core's own calls fail only with core's codes.
  const codes = [...fuzz.outcomes.keys()]
    .map((k) => k.slice(k.lastIndexOf(' ') + 1))
    .filter((c) => c.startsWith('E_'));
  expect(codes.filter((c) => !KNOWN_CODES.has(c))).toEqual([]);
});

// ------------------------------------------------------------------------------------------
// Generators: hostile values, and near-valid ones that reach deeper checks.

const METHODS = [...COMMAND_NAMES, 'publish', 'subscribe', 'eval', 'namespace'] as const;

const SENTINELS = ['s:str', 's:hash', 's:zset', 's:list', 's:set'] as const;

/** An object whose coercion throws: a validator that stringifies it must not crash. */
const throwing = {
  toString() {
    throw new Error('toString called');
  },
  toJSON() {
    throw new Error('toJSON called');
  },
};

const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    2 ** 60,
    -1,
    0,
    1.5,
    10n,
    Symbol('s'),
    () => 'f',
    throwing,
    'x\uD800',
    '\0',
    '__proto__',
    'constructor',
    [],
    {},
    Object.create(null),
    new Map([['a', 'b']]),
    new Uint8Array([1, 2]),
    new Date(0),
    /re/,
    'NX',
    'inf',
  ),
  fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, maxDepth: 2 }),
);

const keyish = fc.oneof(fc.constantFrom<string>('k1', 'k2', ...SENTINELS), fc.string({ maxLength: 8 }));
const numberish = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), hostile);
// Mostly near-valid (keys, small numbers), so calls get past the first check and reach the
// store; hostile values in any position.
const arg = fc.oneof(
  { weight: 6, arbitrary: keyish },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 10 }) },
  { weight: 2, arbitrary: hostile },
  { weight: 1, arbitrary: numberish },
  { weight: 1, arbitrary: fc.array(keyish, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(keyish, fc.oneof(keyish, hostile), { minKeys: 1, maxKeys: 3 }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { ttl: numberish, nx: hostile, xx: hostile, by: hostile, limit: hostile, withScores: hostile },
      { requiredKeys: [] },
    ),
  },
);
const args = fc.array(arg, { maxLength: 4 });

/**
 * A valid sample call of `method` with one or two positions (or an option field) replaced by a
 * generated value, or a list of generated arguments: the mutations reach the checks and the
 * store paths that a wholly random call never gets past.
 */
function callOf(method: (typeof METHODS)[number]): fc.Arbitrary<unknown[]> {
  const samples = (COMMAND_SAMPLES as Record<string, ReadonlyArray<readonly unknown[]>>)[method];
  if (!samples) return args;
  const mutated = fc
    .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(4), arg), { minLength: 1, maxLength: 2 }))
    .map(([sample, edits]) => {
      const out = [...sample];
      for (const [at, value] of edits) {
        const i = at % (out.length + 1);
        const current = out[i];
        if (
          typeof current === 'object' &&
          current !== null &&
          !Array.isArray(current) &&
          typeof value === 'object' &&
          value !== null
        ) {
          out[i] = { ...current, ...(value as object) };
        } else out[i] = value;
      }
      return out;
    });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...samples.map((x) => [...x])) },
    { weight: 4, arbitrary: mutated },
    { weight: 2, arbitrary: args },
  );
}

/** Whether `value` names `key` anywhere (as an argument, an array entry or a record key). */
function names(value: unknown, key: string, depth = 0): boolean {
  if (value === key) return true;
  if (depth > 3 || typeof value !== 'object' || value === null) return false;
  try {
    if (Array.isArray(value)) return value.some((v) => names(v, key, depth + 1));
    if (value instanceof Map) return [...value.keys()].some((k) => names(k, key, depth + 1));
    return Object.keys(value).some(
      (k) => k === key || names((value as Record<string, unknown>)[k], key, depth + 1),
    );
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------
// Sentinels: one key of every type, read back in one round trip.

async function plant(store: KvStore): Promise<void> {
  await store
    .batch()
    .del([...SENTINELS])
    .set('s:str', 'v')
    .hset('s:hash', { f: 'v', __proto__x: 'w' })
    .zadd('s:zset', [{ member: 'm', score: 1 }])
    .rpush('s:list', ['a', 'b'])
    .sadd('s:set', ['x'])
    .exec();
}

async function dump(store: KvStore): Promise<string[]> {
  const settled = await store
    .batch()
    .get('s:str')
    .hgetall('s:hash')
    .zrangeWithScores('s:zset', 0, -1)
    .lrange('s:list', 0, -1)
    .smembers('s:set')
    .pttl('s:str')
    .execSettled();
  return settled.map((s) => JSON.stringify(s.ok ? s.value : (s.error as { code?: string }).code));
}

function label(name: string, list: readonly unknown[]): string {
  return `${name}(${list.map((a) => fc.stringify(a)).join(', ')})`;
}

// ------------------------------------------------------------------------------------------

describe.each(storeMatrix({ only: ['memory', 'ioredis', 'node-redis', 'upstash'] }))(
  'fuzz: store calls on $name',
  ({ name, create }) => {
    it('every command with generated arguments settles with a value or a KvError and touches no key it does not name', async () => {
      const root = await create();
      const store = root.namespace(`fuzz:${Math.random().toString(36).slice(2)}:`);
      const script = defineScript({
        name: 'fuzz-echo',
        lua: 'return ARGV[1]',
        twin: (_ctx, _keys, argv) => argv[0] ?? null,
      });
      await plant(store);
      const before = await dump(store);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...METHODS).chain((m) => fc.tuple(fc.constant(m), callOf(m))),
          async ([method, list]) => {
            const call = label(method, list);
            if (process.env.FUZZ_TRACE)
              writeSync(
                2,
                `${name} ${Math.round(process.memoryUsage().heapUsed / 1e6)}MB ${call.slice(0, 300)}\n`,
              );
            if (method === 'namespace') {
              // Synchronous by design: a view is built at once. It throws only KvErrors.
              fuzz.sync(name, () => store.namespace(list[0] as string), call);
              return;
            }
            const target = store as unknown as Record<string, (...a: unknown[]) => unknown>;
            const run =
              method === 'eval'
                ? // Half the runs pass a real script, so the keys and ARGV checks are reached.
                  () =>
                    store.eval(
                      list.length % 2 === 0 ? script : (list[0] as never),
                      list[1] as never,
                      list[2] as never,
                    )
                : () => (target[method] as (...a: unknown[]) => unknown).apply(store, list);
            await fuzz.promised(
              name,
              async () => {
                const value = await run();
                // A subscription built from generated channels is closed at once.
                if (method === 'subscribe') await (value as { unsubscribe(): Promise<void> }).unsubscribe();
                return value;
              },
              call,
            );
            // Sentinels the call did not name are unchanged.
            const after = await dump(store);
            for (let i = 0; i < SENTINELS.length; i++) {
              const key = SENTINELS[i] as string;
              if (names(list, key) || method === 'eval') continue;
              expect(after[i], `${call} changed ${key}`).toBe(before[i]);
            }
            if (SENTINELS.some((k) => names(list, k))) {
              await plant(store);
            }
          },
        ),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
      );
      // The sync-throw check above wraps the method in an async function; check it bare as well.
      for (const method of COMMAND_NAMES) {
        const target = store as unknown as Record<string, (...a: unknown[]) => unknown>;
        for (const bad of [[10n], [Symbol('s')], [throwing], [undefined, undefined, undefined]]) {
          await fuzz.promised(
            name,
            () => (target[method] as (...a: unknown[]) => unknown)(...bad),
            label(method, bad),
          );
        }
      }
      await root.close();
    }, 120_000);
  },
);

describe('fuzz: factories with generated options', () => {
  // Each run builds on a fresh memory store: a layer that builds closes it with itself.
  const FACTORIES: ReadonlyArray<[string, (options: unknown, inner: KvStore) => unknown]> = [
    ['memoryAdapter', (o) => memoryAdapter(o as never)],
    ['withL1', (o, inner) => withL1(inner, o as never)],
    ['withL1(store)', (o) => withL1(o as never)],
    ['withFailover', (o, inner) => withFailover(inner, o as never)],
    ['withFailover(store)', (o) => withFailover(o as never)],
    ['instrument', (o, inner) => instrument(inner, o as never)],
    ['instrument(store)', (o) => instrument(o as never)],
    ['defineScript', (o) => defineScript(o as never)],
    ['planFromEnv', (o) => planFromEnv(o as never)],
  ];
  const options = fc.oneof(
    hostile,
    fc.dictionary(
      fc.constantFrom(
        'ttl',
        'max',
        'maxKeys',
        'sweepIntervalMs',
        'channel',
        'only',
        'policy',
        'timeoutMs',
        'events',
        'fallback',
        'name',
        'lua',
        'twin',
        'keys',
        'REDIS_URL',
        'KV_ADAPTER',
        'REDIS_KEY_PREFIX',
        'MOCK_REDIS',
      ),
      fc.oneof(hostile, fc.string({ maxLength: 12 }), fc.integer()),
      { maxKeys: 3 },
    ),
  );

  it.each(FACTORIES)(
    '%s returns or throws a KvError E_INVALID_OPTIONS, nothing else',
    async (factory, build) => {
      const suite = `factory ${factory}`;
      await fc.assert(
        fc.asyncProperty(options, async (o) => {
          const inner = memoryAdapter({ sweepIntervalMs: 0 });
          const outcome = fuzz.sync(suite, () => build(o, inner), `${factory}(${fc.stringify(o)})`);
          if (!outcome.ok) expect(outcome.code, factory).toBe('E_INVALID_OPTIONS');
          const store = outcome.ok ? (outcome.value as Partial<KvStore> | undefined) : undefined;
          if (typeof store?.close === 'function') await store.close();
          await inner.close();
        }),
        { numRuns: LONG ? 2000 : 150 },
      );
    },
  );
});

describe('fuzz: memory and Redis agree on every generated call', () => {
  const [memory, redis] = storeMatrix({ only: ['memory', 'ioredis'] });

  /** A call's outcome as one comparable string: the value, or the error code. */
  async function outcome(method: string, store: KvStore, list: unknown[]): Promise<string> {
    const target = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    try {
      const value = await (target[method] as (...a: unknown[]) => Promise<unknown>).apply(store, list);
      // A remaining TTL depends on when each store was called: compare its sign only.
      if (method === 'pttl' && typeof value === 'number' && value > 0) return 'ok: positive';
      return `ok: ${JSON.stringify(value)}`;
    } catch (error) {
      return isKvError(error) ? error.code : `not a KvError: ${String(error)}`;
    }
  }

  /**
   * Each store expires keys on its own clock, and the two are called a moment apart: a key given a
   * TTL of a few ms (generated TTLs are small) could be gone on one and not yet on the other at the
   * next call. Keys with less than a minute left are deleted from both after each call.
   */
  async function dropExpiring(list: readonly unknown[], ...stores: KvStore[]): Promise<void> {
    // The keys a call can have given a TTL are among the strings it names: no SCAN of the shared
    // server (a full scan per call slowed every other test of a verify:long run).
    const keys = new Set<string>(['k1', 'k2', ...SENTINELS]);
    const collect = (value: unknown, depth: number): void => {
      if (typeof value === 'string') keys.add(value);
      else if (Array.isArray(value) && depth < 2) for (const v of value) collect(v, depth + 1);
    };
    collect(list, 0);
    const expiring: string[] = [];
    for (const key of keys) {
      if (!key.isWellFormed()) continue;
      const ttls = await Promise.all(stores.map((store) => store.pttl(key)));
      if (ttls.some((t) => t >= 0 && t < 60_000)) expiring.push(key);
    }
    for (const key of expiring) await Promise.all(stores.map((store) => store.del(key)));
  }

  it(
    'same value or same error code, call after call',
    async () => {
      if (!memory || !redis) throw new Error('the matrix lost memory or ioredis');
      const prefix = `fuzz-pair:${Math.random().toString(36).slice(2)}:`;
      const a = (await memory.create()).namespace(prefix);
      const b = (await redis.create()).namespace(prefix);
      await Promise.all([plant(a), plant(b)]);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...COMMAND_NAMES).chain((m) => fc.tuple(fc.constant(m), callOf(m))),
          async ([method, list]) => {
            // Arrays sort members whose order Redis does not define (smembers): compare sorted.
            const [onMemory, onRedis] = await Promise.all([
              outcome(method, a, list),
              outcome(method, b, list),
            ]);
            const norm = (s: string) =>
              method === 'smembers' && s.startsWith('ok: [')
                ? `ok: ${JSON.stringify(JSON.parse(s.slice(4)).sort())}`
                : s;
            fuzz.count('memory vs redis', norm(onMemory) === norm(onRedis) ? 'agree' : 'disagree');
            expect(norm(onMemory), label(method, list)).toBe(norm(onRedis));
            // Only these commands give a key a TTL; checking after every call timed out at full size.
            if (method === 'set' || method === 'getSet' || method === 'pexpire')
              await dropExpiring(list, a, b);
          },
        ),
        { numRuns: RUNS },
      );
    },
    LONG ? 900_000 : 120_000,
  );
});
