import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { featureEvents } from '@raptorflow/core/kit';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLlmCache,
  functionEmbedder,
  hashingEmbedder,
  type LlmCache,
  type LlmRequest,
} from '../src/index.js';

/*
 * Round trips counted on a redis-server of this file's own (INFO commandstats), so no other
 * file's commands mix in. Commands a script runs are counted under their own names (hget,
 * hmget...), so only top-level ones are compared.
 */

let server: RedisServer;
let store: KvStore;
let llm: LlmCache;
const ask = (content: string, tenant = 'small'): [LlmRequest, { tenant: string }] => [
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], params: { temperature: 0 } },
  { tenant },
];
const VERBS = ['configure', 'debug', 'install', 'profile', 'migrate', 'secure', 'deploy', 'monitor'];
const THINGS = ['router', 'database', 'queue', 'scheduler', 'webhook', 'cluster', 'parser', 'compiler'];
const PARTS = ['timeouts', 'retries', 'headers', 'schemas', 'permissions', 'metrics', 'backups', 'replicas'];
const LANGS = ['Rust', 'Go', 'Java', 'Kotlin'];
const at = (list: readonly string[], i: number) => list[i % list.length] as string;
/** The i-th filler prompt of a partition: distinct for i below 2,048. */
const filler = (i: number) =>
  `How do I ${at(VERBS, i)} the ${at(THINGS, i >> 3)} ${at(PARTS, i >> 6)} in ${at(LANGS, i >> 9)}?`;
/** Entries per tenant's partition (besides the Python prompt). */
const SIZES = { small: 100, big: 2000 } as const;
const TENANTS = Object.keys(SIZES) as (keyof typeof SIZES)[];
const STORED = 'How do I reverse a string in Python?';
const REWORDED = 'What is the way to reverse a Python string?';
const UNRELATED = 'Why do penguins look quiet at dawn?';

beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
  llm = createLlmCache({ store, semantic: { maxEntries: 10_000 } });
  for (const tenant of TENANTS) {
    await llm.setMany(
      Array.from({ length: SIZES[tenant] }, (_, i) => ({
        request: ask(filler(i))[0],
        value: `answer ${i}`,
        tenant,
      })),
    );
    await llm.set(ask(STORED, tenant)[0], 'answer', { tenant });
  }
  // Warm the scripts: the first call of each may add an EVAL after a NOSCRIPT.
  await llm.get(...ask(REWORDED));
});
afterAll(async () => {
  await llm?.close();
  await store?.close();
  await server?.stop();
});

const TOP_LEVEL = [
  'evalsha',
  'evalsha_ro',
  'eval',
  'eval_ro',
  'mget',
  'get',
  'set',
  'hset',
  'exists',
  'script|load',
];
const topLevel = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([name]) => TOP_LEVEL.includes(name)));

describe('commands per call on Redis', () => {
  it('the partitions hold what the test says (100 and 2,000 entries, plus one)', async () => {
    const sizes: number[] = [];
    for await (const key of store.scan({ match: 'rf:llm-cache:{*:z', count: 1000 })) {
      sizes.push(await store.zcard(key));
    }
    expect(sizes.sort((a, b) => a - b)).toEqual([SIZES.small + 1, SIZES.big + 1]);
  });

  it('exact hit, semantic hit and miss are each 1 script, with 101 or 2,001 entries in the partition', async () => {
    const examined: number[] = [];
    const off = featureEvents(store).on('operation', (e) => {
      if (e.feature === 'llm-cache' && e.outcome !== 'exact-hit') examined.push(e.detail?.examined as number);
    });
    try {
      for (const tenant of TENANTS) {
        for (const [content, stage] of [
          [STORED, 'exact'],
          [REWORDED, 'semantic'],
          [UNRELATED, undefined],
          [filler(7), 'exact'],
        ] as const) {
          const counts = await countCommands(server, async () => {
            expect((await llm.get(...ask(content, tenant)))?.stage).toBe(stage);
          });
          // One EVALSHA_RO of SEMANTIC_LOOKUP: the exact probe and the LSH candidates together.
          expect(topLevel(counts), `${tenant}: ${content}`).toEqual({ evalsha_ro: 1 });
        }
      }
    } finally {
      off();
    }
    // The work of a lookup is bounded by maxCandidates (128 for a bound of 10,000 entries), not
    // by the partition size.
    expect(examined).toHaveLength(4);
    for (const n of examined) expect(n).toBeLessThanOrEqual(128);
  });

  it('getOrCall: a hit is 1 script; a miss adds the exact tier read and write, and the index write in pending', async () => {
    const hit = await countCommands(server, async () => {
      const r = await llm.getOrCall(...withCall(ask(REWORDED, 'big')));
      expect(r.stage).toBe('semantic');
    });
    expect(topLevel(hit)).toEqual({ evalsha_ro: 1 });
    let pending: Promise<void> = Promise.resolve();
    const counts = await countCommands(server, async () => {
      const r = await llm.getOrCall(...withCall(ask('How do glaciers carve valleys over time?')));
      expect(r.stage).toBe('miss');
      pending = r.pending;
      await pending;
    });
    // EVALSHA_RO (lookup), MGET (the exact tier's read under single flight), SET (its write),
    // EVALSHA (index insert) and one HSET of the partition registry (the other HSETs run
    // inside the insert).
    expect(topLevel(counts)).toMatchObject({ evalsha_ro: 1, mget: 1, set: 1, evalsha: 1 });
    expect(counts.hset).toBeGreaterThanOrEqual(1);
    expect(Object.keys(topLevel(counts)).sort()).toEqual(['evalsha', 'evalsha_ro', 'hset', 'mget', 'set']);
  });

  it('setMany of 250 entries: 3 insert scripts (100 entries each at most), one registry write per batch', async () => {
    // The tenant's first write reads its generations once (the cache's script): done before.
    await llm.set(ask('warm up', 'bulk')[0], 'answer', { tenant: 'bulk' });
    const counts = await countCommands(server, async () => {
      await llm.setMany(
        Array.from({ length: 250 }, (_, i) => ({
          request: ask(`${filler(i)} (bulk)`)[0],
          value: i,
          tenant: 'bulk',
        })),
      );
    });
    // The exact writes are pipelined SETs (one round trip per batch, 250 commands).
    expect(topLevel(counts)).toMatchObject({ evalsha: 3, set: 250 });
    expect(counts.hset).toBeGreaterThanOrEqual(3);
    expect((await llm.get(...ask(`${filler(249)} (bulk)`, 'bulk')))?.value).toBe(249);
  });
});

describe('a remote embedder (local: false) is called only after the exact tier missed', () => {
  it('exact hit: 1 MGET, no embedding; semantic lookup: the MGET, then 1 script', async () => {
    const inner = hashingEmbedder();
    let embedded = 0;
    const remote = functionEmbedder({
      id: 'remote-hash',
      threshold: 0.5,
      embed: (texts) => {
        embedded += texts.length;
        return inner.embed(texts);
      },
    });
    const other = createLlmCache({ store, prefix: 'rf:llm-remote:', semantic: { embedder: remote } });
    try {
      await other.set(...withValue(ask(STORED)));
      embedded = 0;
      const exact = await countCommands(server, async () => {
        expect((await other.get(...ask(STORED)))?.stage).toBe('exact');
      });
      expect(topLevel(exact)).toEqual({ mget: 1 });
      expect(embedded).toBe(0);
      const near = await countCommands(server, async () => {
        expect((await other.get(...ask(REWORDED)))?.stage).toBe('semantic');
      });
      expect(topLevel(near)).toEqual({ mget: 1, evalsha_ro: 1 });
      expect(embedded).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('semantic tier off: the exact tier alone', () => {
  it('an exact hit is 1 MGET', async () => {
    const exactOnly = createLlmCache({ store, prefix: 'rf:llm-exact:', semantic: false });
    try {
      await exactOnly.set(...withValue(ask(STORED)));
      const counts = await countCommands(server, async () => {
        expect((await exactOnly.get(...ask(STORED)))?.stage).toBe('exact');
      });
      expect(topLevel(counts)).toEqual({ mget: 1 });
    } finally {
      await exactOnly.close();
    }
  });
});

function withValue([request, options]: [LlmRequest, { tenant: string }]): [
  LlmRequest,
  string,
  { tenant: string },
] {
  return [request, 'answer', options];
}

function withCall([request, options]: [LlmRequest, { tenant: string }]): [
  LlmRequest,
  () => string,
  { tenant: string },
] {
  return [request, () => 'answer', options];
}
