import { defineScript, scriptSha } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import type { TestServers } from '@raptorflow/testkit';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import {
  encodeSemanticInsertArgs,
  encodeSemanticLookupArgs,
  LLM_CACHE_SCRIPTS,
  SEMANTIC_INSERT,
  SEMANTIC_LOOKUP,
} from '../src/scripts/index.js';
import { encodeVector } from '../src/semantic/vectors.js';

// `as never`: the AI SDK's optional OpenTelemetry peer gives this package its own vitest instance,
// which does not see testkit's ProvidedContext augmentation.
const servers = inject('raptorflow' as never) as TestServers;
let run = 0;
const prefix = () => {
  run += 1;
  return `llmdiff:{${process.pid}-${run}}:`;
};

describe('scripts', () => {
  it('each has a package-scoped name and the SHA Redis computes', async () => {
    expect(LLM_CACHE_SCRIPTS.length).toBe(2);
    const redis = new Redis({ host: servers.redis.host, port: servers.redis.port });
    try {
      for (const script of LLM_CACHE_SCRIPTS) {
        expect(script.name).toMatch(/^llm-cache-[a-z-]+$/);
        expect(script.sha).toBe(scriptSha(script.lua));
        expect(await redis.script('LOAD', script.lua)).toBe(script.sha);
      }
    } finally {
      await redis.quit();
    }
  });

  it('encodes vectors sparse, scaled to ±127', () => {
    expect(encodeVector([0, 0.5, 0, -1])).toEqual({ hex: '00140' + '00381', norm2: 64 * 64 + 127 * 127 });
    expect(encodeVector([0, 0])).toEqual({ hex: '', norm2: 0 });
  });
});

/*
 * Inserts and lookups on one partition in random order: the harness runs each sequence on
 * redis-server, replays it on memory at Redis's instants, and compares replies and keys step by
 * step. A test-only script dispatches to the real Lua bodies and twins. TTLs are long (60 s),
 * so no entry expires mid-sequence; expiry instants of keys are relative (PEXPIRE), not compared.
 */
const MIXED = defineScript<unknown>({
  name: 'llm-cache-test-mixed',
  lua: `local kind = ARGV[1]
local rest = {}
for i = 2, #ARGV do rest[#rest + 1] = ARGV[i] end
local all = {KEYS[1], KEYS[2], KEYS[3], KEYS[4]}
local ks = kind == 'insert' and all or {all[2], all[3], all[4]}
local function reset(t, list) for i = #t, 1, -1 do t[i] = nil end for i, v in ipairs(list) do t[i] = v end end
reset(KEYS, ks)
reset(ARGV, rest)
if kind == 'insert' then
  local r = (function() ${SEMANTIC_INSERT.lua} end)()
  return {r[3], r}
end
local t = redis.call('TIME')
return {t[1] * 1000 + math.floor(t[2] / 1000), (function() ${SEMANTIC_LOOKUP.lua} end)()}`,
  twin: (ctx, keys, args) => {
    const [kind, ...rest] = args as [string, ...string[]];
    if (kind === 'insert') {
      const r = SEMANTIC_INSERT.twin(ctx, keys, rest) as number[];
      return [r[2], r];
    }
    const [secs = '0', micros = '0'] = ctx.call('TIME') as string[];
    return [
      Number(secs) * 1000 + Math.floor(Number(micros) / 1000),
      SEMANTIC_LOOKUP.twin(ctx, keys.slice(1), rest),
    ];
  },
  // [the store's time of the call, the script's own reply]
  parse: (reply) => reply as [number, unknown],
});
const clockOf = (reply: unknown) => (reply as [number])[0];

const vector = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 8, maxLength: 8 });
const fields = fc.uniqueArray(fc.constantFrom('0:1', '0:2', '1:0', '1:3', '2:1'), {
  minLength: 1,
  maxLength: 3,
});
const entry = fc.record({ id: fc.constantFrom('a1', 'b2', 'c3', 'd4', 'e5'), vector, fields });
const op = fc.oneof(
  // One insert call of 1 to 4 entries (a batch may repeat an id and overflow the bound).
  fc.record({
    kind: fc.constant('insert' as const),
    entries: fc.array(entry, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('lookup' as const),
    exact: fc.constantFrom('', 'a1', 'c3', 'zz'),
    vector,
    fields,
    threshold: fc.constantFrom(0, 0.3, 0.7),
    max: fc.integer({ min: 1, max: 4 }),
  }),
);

describe('differential: memory twin vs Lua on redis-server', () => {
  it('inserts (eviction past 3 entries, buckets trimmed to 2 ids) and lookups mixed: identical replies and keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const p = prefix();
        await runScriptDifferential({
          redis: servers.redis,
          script: MIXED,
          keys: [`${p}z`, `${p}v`, `${p}r`, `${p}b`],
          steps: ops.map((o) => {
            if (o.kind === 'insert') {
              return {
                args: [
                  'insert',
                  ...encodeSemanticInsertArgs(
                    { maxEntries: 3, bucketSize: 2 },
                    o.entries.map((e) => ({
                      id: e.id,
                      ttlMs: 60_000,
                      ...encodeVector(e.vector),
                      fields: e.fields,
                      record: `{"id":"${e.id}"}`,
                    })),
                  ),
                ],
              };
            }
            const { hex, norm2 } = encodeVector(o.vector);
            return {
              args: [
                'lookup',
                ...encodeSemanticLookupArgs(o.exact, hex, norm2, o.threshold, o.max, 2, o.fields),
              ],
            };
          }),
          compareExpiry: false,
          clockOf,
        });
      }),
      { numRuns: 30 },
    );
  });

  it('finds the nearest entry sharing a bucket and reports what it examined', async () => {
    const p = prefix();
    const keys = [`${p}z`, `${p}v`, `${p}r`, `${p}b`];
    const near = encodeVector([1, 1, 0, 0]);
    const far = encodeVector([0, 0, 1, 1]);
    const insert = (id: string, v: { hex: string; norm2: number }, f: string[]) => ({
      args: [
        'insert',
        ...encodeSemanticInsertArgs({ maxEntries: 10, bucketSize: 10 }, [
          { id, ttlMs: 60_000, ...v, fields: f, record: id },
        ]),
      ],
    });
    const query = encodeVector([1, 0.9, 0, 0]);
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: MIXED,
      keys,
      steps: [
        insert('near', near, ['0:1', '1:1']),
        insert('far', far, ['0:1', '1:2']),
        insert('other', near, ['0:2', '1:3']),
        {
          args: [
            'lookup',
            ...encodeSemanticLookupArgs('', query.hex, query.norm2, 0.5, 10, 5, ['0:1', '1:1']),
          ],
        },
        // The exact probe: "other" is served by its id without comparing any vector.
        {
          args: [
            'lookup',
            ...encodeSemanticLookupArgs('other', query.hex, query.norm2, 0.5, 10, 5, ['0:1', '1:1']),
          ],
        },
        // An id that is not stored: the lookup goes on by meaning.
        {
          args: [
            'lookup',
            ...encodeSemanticLookupArgs('gone', query.hex, query.norm2, 0.5, 10, 5, ['0:1', '1:1']),
          ],
        },
      ],
      compareExpiry: false,
      clockOf,
    });
    // "other" shares no bucket: never examined. "far" is examined but below the threshold.
    const reply = (redis[3]?.reply as [number, unknown[]] | undefined)?.[1] ?? [];
    expect(reply[0]).toBe(2);
    expect(reply[1]).toBe(0);
    expect(reply[2]).toBe('near');
    expect(reply[5]).toBe((redis[0]?.now ?? 0) + 60_000);
    expect(reply[6]).toBe('near');
    expect(reply).toHaveLength(7);
    const exact = (redis[4]?.reply as [number, unknown[]] | undefined)?.[1] ?? [];
    expect(exact).toEqual([0, 1, 'other', near.norm2, near.norm2, (redis[2]?.now ?? 0) + 60_000, 'other']);
    expect((redis[5]?.reply as [number, unknown[]] | undefined)?.[1]).toEqual(reply);
  });

  it('one insert call of many entries equals the same entries one call each', async () => {
    const one = prefix();
    const many = prefix();
    const entries = Array.from({ length: 7 }, (_, i) => ({
      id: `e${i % 5}`,
      ttlMs: 60_000,
      ...encodeVector([i % 3, 1, -(i % 2), 2]),
      fields: [`0:${i % 2}`, `1:${i % 3}`],
      record: `r${i}`,
    }));
    const bounds = { maxEntries: 10, bucketSize: 3 };
    const redis = new Redis({ host: servers.redis.host, port: servers.redis.port });
    try {
      const keysOf = (p: string) => [`${p}z`, `${p}v`, `${p}r`, `${p}b`];
      for (const e of entries) {
        await redis.eval(SEMANTIC_INSERT.lua, '4', ...keysOf(one), ...encodeSemanticInsertArgs(bounds, [e]));
      }
      const reply = (await redis.eval(
        SEMANTIC_INSERT.lua,
        '4',
        ...keysOf(many),
        ...encodeSemanticInsertArgs(bounds, entries),
      )) as number[];
      expect(reply.slice(0, 2)).toEqual([0, 5]);
      const dump = async (p: string) => ({
        z: (await redis.zrange(`${p}z`, '0', '-1')).sort(),
        r: await redis.hgetall(`${p}r`),
        b: await redis.hgetall(`${p}b`),
        v: Object.fromEntries(
          Object.entries(await redis.hgetall(`${p}v`)).map(([k, v]) => [k, v.replace(/^\d+/, '')]),
        ),
      });
      expect(await dump(many)).toEqual(await dump(one));
    } finally {
      await redis.quit();
    }
  });
});
