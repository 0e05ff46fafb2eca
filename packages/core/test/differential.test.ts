import { type RedisServer, startRedis } from '@raptorflow/testkit';
import { startUpstashServer, type UpstashServer } from '@raptorflow/testkit/upstash';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { memoryAdapter } from '../src/adapters/memory.js';
import { KV_ADAPTERS } from '../src/adapters/registry.js';
import { COMMANDS } from '../src/commands.js';
import type { Command, KvDriver, Reply } from '../src/driver.js';
import { isKvError, type KvError } from '../src/errors.js';
import { PRIMITIVE_SCRIPTS } from '../src/scripts/index.js';
import { type MatrixServers, TEST_CONNECTIONS } from '../src/testing/matrix.js';
import { EXPIRY_BOUNDARY, TEST_SCRIPTS } from '../src/testing/scripts.js';
import type { KvStore } from '../src/types.js';

// The differential test: random command sequences and scripts run on the memory emulation and
// on a real redis-server (through the ioredis adapter); every reply (or error) and the final
// keyspace must be identical. Replies are compared raw (RESP2 shapes, before the typed parsers).

// `pnpm verify:long` (RAPTORFLOW_LONG=1) runs the full-size proof: ten times the sequences.
const LONG = process.env.RAPTORFLOW_LONG === '1';
const RUNS = LONG ? 10_000 : 1000;
const PREFIX = `diff:${Math.random().toString(36).slice(2, 8)}:`;

// ---------------------------------------------------------------------------------------------
// The alphabet: few keys, fields and members, so types collide and wrong-type errors are common.

const key = fc.constantFrom('a', 'b', 'c', '{t}d');
const field = fc.constantFrom('f', 'g', '', 'é');
const member = fc.constantFrom('m', 'n', 'o', '', '😀', 'e\u0301');
const value = fc.constantFrom('', '0', '1', '-1', '10', 'x', '1.5', '0.1', '9223372036854775807', ' 1', '😀');
const int = fc.constantFrom(-1, 0, 1, 7, -100, 2 ** 40);
// INCRBYFLOAT is emulated in 80-bit long double like Redis, so any finite increment is fair game.
const float = fc.constantFrom(0.1, 0.2, -0.5, 3, 1e21, 1.5e-7, 2.5, -1e-3, 1e300, 0);
const score = fc.constantFrom(0, -0, 1, 1.5, 0.1, 2, -3, 1e21, 1e-7, Infinity, -Infinity, 1 / 3);
const bound = fc.oneof(
  score,
  score.map((s) => ({ exclusive: s })),
);
const ttl = fc.constantFrom(100_000, 3_600_000); // long enough never to expire during a run
// <= 0 deletes; the last is huge. UNIQUE_TTL becomes a TTL of its own per op (see uniqueTtls).
const UNIQUE_TTL = 'unique-ttl';
const pexpireTtl = fc.constantFrom<number | typeof UNIQUE_TTL>(-5, 0, UNIQUE_TTL, 9_223_372_036_854);

/**
 * PEXPIRE GT/LT compares absolute expiry times. Two TTLs of the same length set a moment apart
 * compare by whether a millisecond boundary fell between them, which differs between memory and
 * Redis: a flake, not a divergence. So each PEXPIRE of a sequence gets a TTL 10 s away from every
 * other TTL the generators use (100 s, 1 h, 1e8 ms).
 */
function uniqueTtls(ops: readonly Op[]): Op[] {
  return ops.map((o, i) =>
    o.kind === 'cmd' && o.name === 'pexpire' && o.args[1] === UNIQUE_TTL
      ? { ...o, args: [o.args[0], 200_000 + i * 10_000, o.args[2]] }
      : o,
  );
}
const side = fc.constantFrom('LEFT' as const, 'RIGHT' as const);
const keys = fc.array(key, { minLength: 1, maxLength: 3 });
const rawScore = fc.constantFrom(
  '1',
  '(1',
  '-inf',
  '+inf',
  'inf',
  '(',
  'x',
  'nan',
  '1e400',
  '0x10',
  '1e',
  ' 1',
);
const rawInt = fc.constantFrom('0', '1', '-1', '2', '01', 'x', '9223372036854775807', '-9223372036854775808');

// The test scripts, then core's primitive scripts (compare-and-*, fencing counter).
const SCRIPTS = [...TEST_SCRIPTS, ...PRIMITIVE_SCRIPTS];

/**
 * A primitive script with raw ARGV: what the encoders send, and what they refuse (an unknown
 * mode, a TTL of 0 or 'x'), so the error paths must agree too. Expected values and tokens come
 * from the value alphabet, so matches are common. 150 s is 10 s away from every other TTL here.
 */
const primitive: fc.Arbitrary<Op> = fc
  .tuple(
    fc.nat(PRIMITIVE_SCRIPTS.length - 1),
    key,
    fc.constantFrom('value', 'absent', 'other'),
    value,
    value,
    fc.constantFrom('', '', '150000', '0', 'x'),
  )
  .map(([i, k, mode, expected, next, ttl]): Op => {
    const script = PRIMITIVE_SCRIPTS[i];
    const args =
      script?.name === 'rf-compare-and-set'
        ? [mode, expected, next, ttl]
        : script?.name === 'rf-compare-and-extend'
          ? [expected, ttl]
          : script?.name === 'rf-compare-and-delete'
            ? [expected]
            : [];
    return { kind: 'script', index: TEST_SCRIPTS.length + i, keys: [k], args };
  });

type Op =
  | { kind: 'cmd'; name: keyof typeof COMMANDS; args: unknown[] }
  | { kind: 'raw'; argv: string[] }
  | { kind: 'script'; index: number; keys: string[]; args: string[] };

const cmd = (name: keyof typeof COMMANDS, ...args: fc.Arbitrary<unknown>[]): fc.Arbitrary<Op> =>
  fc.tuple(...args).map((a) => ({ kind: 'cmd' as const, name, args: a }));
const raw = (...parts: fc.Arbitrary<string>[]): fc.Arbitrary<Op> =>
  fc.tuple(...parts).map((argv) => ({ kind: 'raw' as const, argv }));
const lit = (s: string): fc.Arbitrary<string> => fc.constant(s);

const setOptions = fc.record(
  {
    ttl: fc.oneof(ttl, fc.constant(0)),
    nx: fc.boolean(),
    xx: fc.boolean(),
    keepTtl: fc.boolean(),
  },
  { requiredKeys: [] },
);
const zaddOptions = fc.record(
  { nx: fc.boolean(), xx: fc.boolean(), gt: fc.boolean(), lt: fc.boolean(), ch: fc.boolean() },
  { requiredKeys: [] },
);
const scored = fc.record({ member, score });
const limitOptions = fc.record({ offset: fc.nat(3), count: fc.integer({ min: -1, max: 3 }) });
const scoreRangeOptions = fc.record(
  {
    by: fc.constant('score' as const),
    rev: fc.boolean(),
    offset: fc.nat(3),
    count: fc.integer({ min: -1, max: 3 }),
  },
  { requiredKeys: ['by'] },
);
const rangeWord = fc.constantFrom('BYSCORE', 'byscore', 'REV', 'WITHSCORES', 'LIMIT', 'x');

const op: fc.Arbitrary<Op> = fc.oneof(
  cmd('get', key),
  cmd('set', key, value, fc.option(setOptions, { nil: undefined })),
  cmd('getSet', key, value, fc.option(setOptions, { nil: undefined })),
  cmd('mget', keys),
  cmd('mset', fc.dictionary(key, value, { minKeys: 1, maxKeys: 3 })),
  cmd('del', keys),
  cmd('exists', keys),
  cmd('incrBy', key, int),
  cmd('incrByFloat', key, float),
  cmd('pexpire', key, pexpireTtl, fc.option(fc.constantFrom('NX', 'XX', 'GT', 'LT'), { nil: undefined })),
  cmd('pttl', key),
  cmd('persist', key),
  cmd('type', key),
  cmd('hget', key, field),
  cmd('hset', key, fc.dictionary(field, value, { minKeys: 1, maxKeys: 3 })),
  cmd('hmget', key, fc.array(field, { minLength: 1, maxLength: 3 })),
  cmd('hgetall', key),
  cmd('hdel', key, fc.array(field, { minLength: 1, maxLength: 3 })),
  cmd('hincrBy', key, field, int),
  cmd('hlen', key),
  cmd('hsetnx', key, field, value),
  cmd('hexists', key, field),
  cmd(
    'zadd',
    key,
    fc.array(scored, { minLength: 1, maxLength: 3 }),
    fc.option(zaddOptions, { nil: undefined }),
  ),
  cmd('zrem', key, fc.array(member, { minLength: 1, maxLength: 2 })),
  cmd('zscore', key, member),
  cmd('zincrBy', key, score, member),
  cmd('zcard', key),
  cmd(
    'zrangeByScore',
    key,
    bound,
    bound,
    fc.option(fc.record({ offset: fc.nat(3), count: fc.integer({ min: -1, max: 3 }) }), { nil: undefined }),
  ),
  cmd('zrangeByScoreWithScores', key, bound, bound),
  cmd('zrevrangeByScore', key, bound, bound, fc.option(limitOptions, { nil: undefined })),
  cmd(
    'zrange',
    key,
    fc.integer({ min: -4, max: 4 }),
    fc.integer({ min: -4, max: 4 }),
    fc.option(fc.record({ rev: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }),
  ),
  cmd('zrange', key, bound, bound, scoreRangeOptions),
  cmd('zrangeWithScores', key, fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 })),
  cmd('zrangeWithScores', key, bound, bound, scoreRangeOptions),
  cmd('zcount', key, bound, bound),
  cmd('zrank', key, member),
  cmd('zremRangeByScore', key, bound, bound),
  cmd('zpopmin', key, fc.option(fc.nat(3), { nil: undefined })),
  cmd('zpopmax', key, fc.option(fc.nat(3), { nil: undefined })),
  cmd('lpush', key, fc.array(value, { minLength: 1, maxLength: 3 })),
  cmd('rpush', key, fc.array(value, { minLength: 1, maxLength: 3 })),
  cmd('lpop', key),
  cmd('rpop', key),
  cmd('lrange', key, fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 })),
  cmd('llen', key),
  cmd('lrem', key, fc.integer({ min: -2, max: 2 }), value),
  cmd('lmove', key, key, side, side),
  cmd('sadd', key, fc.array(member, { minLength: 1, maxLength: 3 })),
  cmd('srem', key, fc.array(member, { minLength: 1, maxLength: 2 })),
  cmd('smembers', key),
  cmd('sismember', key, member),
  cmd('scard', key),
  // Commands outside the typed table that scripts use, and raw arguments the encoders never send.
  raw(lit('INCR'), key),
  raw(lit('DECRBY'), key, rawInt),
  raw(lit('SETNX'), key, value),
  raw(lit('GETDEL'), key),
  raw(lit('TTL'), key),
  raw(lit('EXPIRE'), key, fc.constantFrom('0', '-1', '100', '9223372036854775807')),
  raw(lit('PEXPIREAT'), key, fc.constantFrom('1', '99999999999999')),
  raw(lit('HEXISTS'), key, field),
  raw(lit('HSETNX'), key, field, value),
  raw(lit('ZRANGE'), key, rawInt, rawInt, fc.constantFrom('WITHSCORES', 'withscores')),
  raw(lit('ZREVRANGE'), key, rawInt, rawInt),
  raw(lit('ZCOUNT'), key, rawScore, rawScore),
  raw(lit('ZRANK'), key, member),
  raw(lit('ZADD'), key, rawScore, member),
  raw(lit('ZINCRBY'), key, rawScore, member),
  raw(lit('ZRANGEBYSCORE'), key, rawScore, rawScore, lit('LIMIT'), rawInt, rawInt),
  raw(lit('ZPOPMIN'), key, rawInt),
  raw(lit('ZPOPMAX'), key, rawInt),
  // Unified ZRANGE: options in any order, LIMIT's words, conflicts and bad bounds.
  raw(lit('ZRANGE'), key, rawScore, rawScore, rangeWord, rangeWord, rangeWord, rawInt, rawInt),
  raw(lit('ZRANGE'), key, rawInt, rawInt, rangeWord, rangeWord),
  raw(lit('ZREVRANGEBYSCORE'), key, rawScore, rawScore, rangeWord, rawInt, rawInt),
  raw(lit('ZREVRANGE'), key, rawInt, rawInt, lit('LIMIT'), rawInt, rawInt),
  raw(lit('LPOP'), key, rawInt),
  raw(lit('INCRBYFLOAT'), key, fc.constantFrom('1e400', 'inf', '-0', '1e-400', ' 1', '0x10', '.5', '5.')),
  raw(
    lit('SET'),
    key,
    value,
    fc.constantFrom('EX', 'PX', 'NX', 'KEEPTTL', 'GET'),
    fc.constantFrom('0', '-1', '100000', 'x', 'XX'),
  ),
  raw(lit('PING')),
  raw(lit('NOSUCHCOMMAND'), key),
  fc
    .tuple(fc.nat(TEST_SCRIPTS.length - 2), key, key, fc.constantFrom('1', '2', '0.1', 'f', 'boom', '3'))
    .map(([index, k1, k2, arg]): Op => {
      // Scripts get keys of one hash tag family as they would on a Cluster.
      const script = TEST_SCRIPTS[index];
      const keys = script?.keys === 2 ? [k1, k2] : [k1];
      const args = script?.name === 'test-move-field' ? ['f', arg] : [arg, '100000'];
      if (script?.name === 'test-zadd-range') args.splice(0, 2, String(Number(arg) || 1), k2);
      return { kind: 'script', index, keys, args };
    }),
  { arbitrary: primitive, weight: 4 },
);

// ---------------------------------------------------------------------------------------------

type Outcome = { ok: true; reply: Reply } | { ok: false; code: string; text: string };

/** Redis's own error text, without our prefix (and without the script suffix Redis appends). */
function errorText(error: KvError): string {
  return error.message
    .replace(/^\[raptorflow\] (\[[^\]]+\] )?/, '')
    .replace(/ script: [0-9a-f]{40}, on @user_script:\d+\.$/, '');
}

function normalise(op: Op, reply: Reply): Reply {
  const name = op.kind === 'cmd' ? op.name : op.kind === 'raw' ? op.argv[0] : '';
  // TTLs drift with the wall clock: compare only missing (-2), persistent (-1) or positive.
  if ((name === 'pttl' || name === 'TTL') && typeof reply === 'number' && reply > 0) return 'positive';
  if (name === 'smembers' && Array.isArray(reply)) return [...(reply as string[])].sort();
  // Integer replies beyond 2^53 are inexact in JavaScript, and ioredis's parser rounds them
  // differently from Number(bigint): compare their sign here; the dump compares exact strings.
  return unsafeToSign(reply);
}

/** Replace every integer beyond 2^53, top level or nested in a script's array reply, by its sign. */
function unsafeToSign(reply: Reply): Reply {
  if (typeof reply === 'number' && !Number.isSafeInteger(reply)) return `unsafe:${Math.sign(reply)}`;
  if (Array.isArray(reply)) return reply.map(unsafeToSign);
  return reply;
}

async function runOp(driver: KvDriver, op: Op): Promise<Outcome> {
  try {
    let reply: Reply;
    if (op.kind === 'script') {
      const script = SCRIPTS[op.index];
      if (!script) throw new Error('no script');
      reply = await driver.script({ script, keys: op.keys, args: op.args });
    } else {
      const command: Command =
        op.kind === 'raw'
          ? { argv: op.argv, keys: [1], readonly: false }
          : (COMMANDS[op.name].encode as (...a: unknown[]) => Command)(...op.args);
      reply = await driver.command(command);
      // The typed parser must accept the reply too.
      if (op.kind === 'cmd') COMMANDS[op.name].decode(reply);
    }
    return { ok: true, reply: normalise(op, reply) };
  } catch (error) {
    if (!isKvError(error)) throw error;
    return { ok: false, code: error.code, text: op.kind === 'script' ? '' : errorText(error) };
  }
}

/** Every key with its type, value and whether it has a TTL. */
async function dump(store: KvStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const names: string[] = [];
  for await (const k of store.scan({ count: 100 })) names.push(k);
  names.sort();
  const d = store.driver;
  const run = (...argv: string[]) => d.command({ argv, keys: [1], readonly: true });
  for (const k of names) {
    const type = (await run('TYPE', k)) as string;
    let value: Reply;
    if (type === 'string') value = await run('GET', k);
    else if (type === 'hash') value = await run('HGETALL', k);
    else if (type === 'list') value = await run('LRANGE', k, '0', '-1');
    else if (type === 'set') value = ((await run('SMEMBERS', k)) as string[]).sort();
    else value = await run('ZRANGE', k, '0', '-1', 'WITHSCORES');
    const pttl = (await run('PTTL', k)) as number;
    out[k] = { type, value, ttl: pttl > 0 ? 'yes' : pttl };
  }
  return out;
}

// The same sequences through every adapter of the registry that talks to a Redis server, on one
// node: ioredis (RESP over TCP) and upstash (the REST protocol through the local server). Cluster
// variants are left out: the alphabet's keys span slots on purpose (CROSSSLOT is not a divergence).
// Upstash costs an HTTP round trip per command, so fewer runs.
const FEWER_RUNS: Readonly<Record<string, number>> = { upstash: LONG ? 1500 : 150 };
const REMOTES = KV_ADAPTERS.flatMap((adapter) =>
  adapter.variants
    .filter((v) => v.server === 'redis' || v.server === 'upstash')
    .map((v) => ({
      name: v.name,
      runs: FEWER_RUNS[v.name] ?? RUNS,
      create: (servers: MatrixServers): Promise<KvStore> =>
        adapter.create(v.name, TEST_CONNECTIONS[v.server](servers)),
    })),
);

it('runs against every single-node remote adapter of the registry', () => {
  expect(REMOTES.map((r) => r.name)).toEqual(expect.arrayContaining(['ioredis', 'upstash']));
});

describe.each(REMOTES)(
  'differential: memory emulation vs redis-server 7.0 through $name',
  ({ runs, create }) => {
    let redis: KvStore;
    let own: RedisServer | undefined;
    let ownUpstash: UpstashServer | undefined;

    // A redis-server of its own (and a REST server in front of it): each sequence scans the
    // keyspace twice, so keys other files leave on the shared server would make every sequence
    // pay for them (36k of them made the full-size run 6x slower).
    beforeAll(async () => {
      own = await startRedis();
      ownUpstash = await startUpstashServer({ redisUrl: own.url });
      const shared = inject('raptorflow') as MatrixServers;
      redis = await create({
        ...shared,
        redis: { url: own.url },
        upstash: { url: ownUpstash.url, token: ownUpstash.token },
      });
    });

    afterAll(async () => {
      await redis?.close();
      await ownUpstash?.stop();
      await own?.stop();
    });

    it(
      `agrees on ${runs} random command and script sequences`,
      async () => {
        let sequence = 0;
        let commands = 0;
        const started = Date.now();
        await fc.assert(
          fc.asyncProperty(
            fc.array(op, { minLength: 5, maxLength: 40, size: 'max' }).map(uniqueTtls),
            async (ops) => {
              const ns = `${PREFIX}${redis.name}:${sequence++}:`;
              const memory = memoryAdapter({ sweepIntervalMs: 0 }).namespace(ns);
              const real = redis.namespace(ns);
              try {
                for (const [i, o] of ops.entries()) {
                  const [m, r] = await Promise.all([runOp(memory.driver, o), runOp(real.driver, o)]);
                  commands++;
                  expect(m, `op ${i}: ${JSON.stringify(o)}`).toEqual(r);
                }
                expect(await dump(memory)).toEqual(await dump(real));
              } finally {
                const left: string[] = [];
                for await (const k of real.scan()) left.push(k);
                if (left.length > 0) await real.del(left);
              }
            },
          ),
          { numRuns: runs },
        );
        console.info(
          `differential (${redis.name}): ${runs} sequences, ${commands} commands, ${Date.now() - started} ms`,
        );
      },
      LONG ? 1_200_000 : 120_000,
    );

    // Random sequences use TTLs far from any boundary; this drives both stores to the exact
    // expiry millisecond: a script sets the expiry to its own TIME. Redis 7.0 judges expiry on
    // the script's start time (<= TIME: the key lives) but PTTL and PEXPIREAT's check on the
    // live clock (>= TIME: 0, deleted), so only TIME itself and instants well in the past are
    // decided by the store, not by how long the script ran (TIME + 1 would be).
    it('agrees at the expiry millisecond: SET PXAT and PEXPIREAT at TIME and before', async () => {
      const ns = `${PREFIX}${redis.name}:boundary:`;
      const memory = memoryAdapter({ sweepIntervalMs: 0 }).namespace(ns);
      const real = redis.namespace(ns);
      try {
        for (const mode of ['set', 'pexpireat'] as const) {
          for (const offset of [-1000, 0]) {
            const [m, r] = await Promise.all([
              memory.eval(EXPIRY_BOUNDARY, ['k'], [offset, mode]),
              real.eval(EXPIRY_BOUNDARY, ['k'], [offset, mode]),
            ]);
            expect(m, `${mode} at TIME ${offset >= 0 ? '+' : '-'} ${Math.abs(offset)}`).toEqual(r);
          }
        }
      } finally {
        await real.del('k');
        await memory.close();
      }
    });
  },
);
