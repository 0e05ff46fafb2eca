import {
  countCommands,
  type RedisCluster,
  type RedisServer,
  respCommand,
  startCluster,
  startRedis,
} from '@raptorflow/testkit';
import { startUpstashServer, type UpstashServer } from '@raptorflow/testkit/upstash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotOf } from '../src/adapters/ioredis/cluster.js';
import { ioredisAdapter } from '../src/adapters/ioredis.js';
import { upstashDriver } from '../src/adapters/upstash.js';
import { createStore } from '../src/driver/index.js';
import { defineScript, type KvStore } from '../src/index.js';
import { ScriptLoader } from '../src/script-loader.js';

// Servers of this file's own: commandstats count every client's commands, and other files run scripts too.
let redis: RedisServer;
let cluster: RedisCluster;
let upstash: UpstashServer;
const stores: KvStore[] = [];

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startCluster()]);
  upstash = await startUpstashServer({ redisUrl: redis.url });
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await upstash?.stop();
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

const run = `sl${Math.random().toString(36).slice(2, 8)}`;
const incr = defineScript({
  name: 'script-loading-incr',
  keys: 1,
  lua: `return redis.call('INCR', KEYS[1]) -- ${run}`,
  twin: () => 0,
});
/** Used by the batch test only: not loaded yet when it starts. */
const incrInBatch = defineScript({
  name: 'script-loading-incr-batch',
  keys: 1,
  lua: `return redis.call('INCR', KEYS[1]) -- batch ${run}`,
  twin: () => 0,
});
const read = defineScript({
  name: 'script-loading-read',
  keys: 1,
  readonly: true,
  lua: `return redis.call('GET', KEYS[1]) -- ${run}`,
  twin: () => null,
});

interface Target {
  readonly store: () => KvStore;
  /** Every server node: SCRIPT FLUSH goes to each, commands are counted on each. */
  readonly nodes: () => ReadonlyArray<{ host: string; port: number }>;
  /** HTTP requests so far (Upstash only): a round trip there is a request, not a command. */
  readonly requests?: () => number;
}

let upstashRequests = (): number => 0;
const TARGETS: Record<string, Target> = {
  'ioredis standalone': {
    store: () => ioredisAdapter({ host: redis.host, port: redis.port }),
    nodes: () => [redis],
  },
  'ioredis Cluster': {
    store: () => ioredisAdapter({ cluster: { nodes: cluster.nodes.map((n) => ({ ...n })) } }),
    nodes: () => cluster.nodes,
  },
  'upstash (local REST server)': {
    store: () => {
      const driver = upstashDriver({ url: upstash.url, token: upstash.token });
      upstashRequests = () => driver.requests;
      return createStore(driver);
    },
    nodes: () => [redis],
    requests: () => upstashRequests(),
  },
};

async function flush(target: Target): Promise<void> {
  for (const n of target.nodes()) await respCommand(n.host, n.port, ['SCRIPT', 'FLUSH']);
}

/** Script commands the servers ran during `fn`, summed over nodes (GETs and INCRs run inside scripts are not counted). */
async function scriptCommands(target: Target, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const counts: Array<Record<string, number>> = [];
  // Nested so that every node's window spans the whole of `fn`.
  const nest = (nodes: ReadonlyArray<{ host: string; port: number }>): Promise<unknown> => {
    const [first, ...rest] = nodes;
    if (!first) return fn();
    return countCommands(first, () => nest(rest)).then((c) => counts.push(c));
  };
  await nest(target.nodes());
  const out: Record<string, number> = {};
  for (const c of counts) {
    for (const [name, calls] of Object.entries(c)) {
      if (name.startsWith('eval')) out[name] = (out[name] ?? 0) + calls;
    }
  }
  return out;
}

describe.each(Object.entries(TARGETS))('script loading: %s', (_name, target) => {
  let store: KvStore;
  let key: string;
  let n = 0;

  beforeAll(async () => {
    store = target.store();
    stores.push(store);
    await store.ping();
    key = `{${run}}:${_name.replace(/\W/g, '')}`;
  });

  it('EVAL on a fresh server, EVALSHA after, one NOSCRIPT after SCRIPT FLUSH, then EVALSHA again', async () => {
    await flush(target);
    const requests0 = target.requests?.() ?? 0;
    expect(await scriptCommands(target, async () => expect(await store.eval(incr, [key])).toBe(++n))).toEqual(
      {
        eval: 1,
      },
    );
    const requests1 = target.requests?.() ?? 0;
    expect(await scriptCommands(target, async () => expect(await store.eval(incr, [key])).toBe(++n))).toEqual(
      {
        evalsha: 1,
      },
    );
    await flush(target);
    expect(await scriptCommands(target, async () => expect(await store.eval(incr, [key])).toBe(++n))).toEqual(
      {
        evalsha: 1,
        eval: 1,
      },
    );
    const requests3 = target.requests?.() ?? 0;
    expect(await scriptCommands(target, async () => expect(await store.eval(incr, [key])).toBe(++n))).toEqual(
      {
        evalsha: 1,
      },
    );
    if (target.requests) {
      // Round trips on Upstash: one request on a fresh server, one per call after, two after a flush.
      expect([requests1 - requests0, requests3 - requests1, target.requests() - requests3]).toEqual([
        1, 3, 1,
      ]);
    }
  });

  it('sends a read-only script by EVAL_RO, then EVALSHA_RO', async () => {
    await flush(target);
    expect(await scriptCommands(target, () => store.eval(read, [key]))).toEqual({ eval_ro: 1 });
    expect(await scriptCommands(target, () => store.eval(read, [key]))).toEqual({ evalsha_ro: 1 });
  });

  it('keeps batch order for a script not loaded yet (EVAL in place), and retries NOSCRIPT in a batch by EVAL', async () => {
    await flush(target);
    const before = Number((await store.get(key)) ?? 0);
    let out: unknown[] = [];
    expect(
      await scriptCommands(target, async () => {
        out = await store.batch().eval(incrInBatch, [key]).get(key).eval(incrInBatch, [key]).exec();
      }),
    ).toEqual({ eval: 2 });
    expect(out).toEqual([before + 1, String(before + 1), before + 2]);
    await flush(target);
    expect(
      await scriptCommands(target, async () => {
        out = await store.batch().eval(incrInBatch, [key]).get(key).eval(read, [key]).exec();
      }),
    ).toEqual({ evalsha: 1, eval: 1, evalsha_ro: 1, eval_ro: 1 });
    // The NOSCRIPT retries run in a second request, after the GET sent behind them.
    expect(out).toEqual([before + 3, String(before + 2), String(before + 3)]);
    n = before + 3;
  });
});

describe('script loading: a Cluster slot moves to a node that never ran the script', () => {
  it('retries the NOSCRIPT of the new owner once by EVAL, then uses EVALSHA there', async () => {
    const store = TARGETS['ioredis Cluster']?.store() as KvStore;
    stores.push(store);
    const target = TARGETS['ioredis Cluster'] as Target;
    const key = `{${run}-move}:k`;
    expect(await store.eval(incr, [key])).toBe(1);
    expect(await store.eval(incr, [key])).toBe(2);
    await store.del([key]);
    // Hand the (now empty) slot to another master, as a failover or a resharding would.
    const slot = slotOf(key);
    const ids = await Promise.all(
      cluster.nodes.map(async (n) => String(await respCommand(n.host, n.port, ['CLUSTER', 'MYID']))),
    );
    const shards = (await respCommand(cluster.nodes[0]?.host as string, cluster.nodes[0]?.port as number, [
      'CLUSTER',
      'SLOTS',
    ])) as Array<[number, number, [string, number, string]]>;
    const range = shards.find(([from, to]) => slot >= from && slot <= to);
    const oldId = range?.[2][2];
    const newAt = ids.findIndex((id) => id !== oldId);
    const newId = ids[newAt] as string;
    expect(oldId).toMatch(/^[0-9a-f]{40}$/);
    expect(newId).toMatch(/^[0-9a-f]{40}$/);
    const order = [newAt, ...cluster.nodes.map((_, i) => i).filter((i) => i !== newAt)];
    for (const i of order) {
      const n = cluster.nodes[i] as { host: string; port: number };
      await respCommand(n.host, n.port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', newId]);
    }
    // ioredis follows the MOVED reply (a rejected call, not counted) to the new owner: one NOSCRIPT there, then EVAL.
    expect(await scriptCommands(target, async () => expect(await store.eval(incr, [key])).toBe(1))).toEqual({
      evalsha: 1,
      eval: 1,
    });
    expect(await scriptCommands(target, async () => expect(await store.eval(incr, [key])).toBe(2))).toEqual({
      evalsha: 1,
    });
  });
});

describe('ScriptLoader: state per node', () => {
  const call = { script: incr as never, keys: ['k'], args: [] };

  it('starts every node with EVAL (a promoted replica or a moved slot has no scripts)', () => {
    const loader = new ScriptLoader();
    expect(loader.argv(call, '127.0.0.1:7000')[0]).toBe('EVAL');
    expect(loader.answered(call, '127.0.0.1:7000', undefined)).toBe(false);
    expect(loader.argv(call, '127.0.0.1:7000').slice(0, 2)).toEqual(['EVALSHA', incr.sha]);
    expect(loader.argv(call, '127.0.0.1:7001')[0]).toBe('EVAL');
  });

  it('forgets a script on NOSCRIPT, keeps one that failed while running, never one that failed to compile', () => {
    const loader = new ScriptLoader();
    loader.answered(call, '', undefined);
    expect(loader.answered(call, '', 'NOSCRIPT No matching script. Please use EVAL.')).toBe(true);
    expect(loader.argv(call)[0]).toBe('EVAL');
    expect(
      loader.answered(call, '', 'ERR user_script:1: Script attempted to access nonexistent global'),
    ).toBe(false);
    expect(loader.argv(call)[0]).toBe('EVALSHA');
    const other = new ScriptLoader();
    expect(other.answered(call, '', 'ERR Error compiling script (new function): user_script:1: syntax')).toBe(
      false,
    );
    expect(other.argv(call)[0]).toBe('EVAL');
  });
});
