import { type KvStore, memoryAdapter, type Script, type ScriptArg, scriptSha } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { COMPARE_AND_DELETE } from '@raptorflow/core/kit';
import type { TestServers } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CACHE_SCRIPTS, DELETE_SCRIPT, READ_SCRIPT, RELEASE_SCRIPT, WRITE_SCRIPT } from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix } from './matrix.js';

/*
 * Differential test: every script runs on memory (its JavaScript twin) and on Redis (Lua) with
 * the same inputs from the same state; replies and resulting keyspaces must be identical.
 */

const servers: TestServers = inject('raptorflow');
let redis: KvStore;
let memory: KvStore;
beforeAll(() => {
  redis = ioredisAdapter({ url: servers.redis.url });
  memory = memoryAdapter();
});
afterAll(async () => {
  await deleteHandedOut(redis);
  await redis.close();
  await memory.close();
});

const ENTRY_A = '1||100|200|300|t1=1.0,t2=0.0\n{"a":1}';
const ENTRY_B = '1|u|100|200|300|\n';
const STATE: Record<string, string> = {
  g: '2',
  'n:p': '5',
  't:s:t1': '1',
  't:h:t2': '3',
  'e:p:2.5:a': ENTRY_A,
  'e:p:2.5:b': ENTRY_B,
  lease: 'tok',
  // Corrupt tag counters (planted): both sides read them as '?' (tag-versions.ts), the same way.
  't:s:bad': 'x,y',
  't:h:big': '99999999999999999999',
  'e:p:2.5:e': '1||100|200|300|bad=0.0,big=0.0\n1',
};

type Step = [Script<unknown>, string[], ScriptArg[]];
const STEPS: Step[] = [
  [READ_SCRIPT, ['g', 'n:p', 't:', 'e:p:2.5:a', 'e:p:2.5:b', 'e:p:2.5:c'], ['2', '5', 't1', 'zz']],
  [READ_SCRIPT, ['g', 'n:p', 't:', 'e:p:1.5:a'], ['1', '5']],
  [READ_SCRIPT, ['g', 'n:p', 't:'], ['2', '5']],
  [READ_SCRIPT, ['g', 'n:p', 't:', 'e:p:2.5:e'], ['2', '5', 'bad', 'big', 't1']],
  [
    WRITE_SCRIPT,
    ['g', 'n:p', 't:', 'e:p:2.5:c', 'e:p:2.5:d'],
    ['2', '5', '1||1|2|3|', 'x', 60000, 2, 't1', 't2', '1|n|1|2|2|t9=4.4', 'null', 1000, 0],
  ],
  [WRITE_SCRIPT, ['g', 'n:p', 't:', 'e:p:0.0:c'], ['0', '0', '1||1|2|3|', 'x', 60000, 0]],
  [READ_SCRIPT, ['g', 'n:p', 't:', 'e:p:2.5:c', 'e:p:2.5:d'], ['2', '5']],
  [DELETE_SCRIPT, ['g', 'n:p', 'e:p:2.5:a', 'e:p:2.5:zz'], ['2', '5']],
  [DELETE_SCRIPT, ['g', 'n:p', 'e:p:2.5:b'], ['0', '5']],
  // The lease release is core's compare-and-delete, replayed here on the cache's own state.
  [COMPARE_AND_DELETE, ['lease'], ['other']],
  [COMPARE_AND_DELETE, ['lease'], ['tok']],
  [COMPARE_AND_DELETE, ['lease'], ['tok']],
];

async function runAll(store: KvStore, prefix: string): Promise<unknown[]> {
  const view = store.namespace(prefix);
  await view.mset(STATE);
  const out: unknown[] = [];
  for (const [script, keys, args] of STEPS) out.push(await view.eval(script, keys, args));
  const keys = await keysUnder(store, prefix);
  out.push(keys, keys.length ? await view.mget(keys) : []);
  return out;
}

describe('cache scripts: Lua and JavaScript twins agree', () => {
  it('gives the same replies and keyspace on memory and Redis', async () => {
    const onRedis = await runAll(redis, randomPrefix());
    const onMemory = await runAll(memory, randomPrefix());
    expect(onMemory).toEqual(onRedis);
    expect(onRedis[0]).toMatchObject({ ws: '2', ns: '5' });
    expect((onRedis[1] as { rest: unknown }).rest).toBeUndefined(); // stale generation: nothing read
    expect((onRedis[3] as { rest: unknown }).rest).toEqual([
      '?.0,0.?,1.0',
      '1||100|200|300|bad=0.0,big=0.0\n1',
      '?.0,0.?',
    ]);
  });

  it('releases leases with core compare-and-delete (RELEASE_SCRIPT is its deprecated alias)', () => {
    expect(RELEASE_SCRIPT).toBe(COMPARE_AND_DELETE);
    expect(CACHE_SCRIPTS).toContain(COMPARE_AND_DELETE);
  });

  it('has the SHA Redis computes for each script', async () => {
    for (const script of CACHE_SCRIPTS) expect(script.sha).toBe(scriptSha(script.lua));
    const { respCommand } = await import('@raptorflow/testkit');
    for (const script of CACHE_SCRIPTS) {
      expect(await respCommand(servers.redis.host, servers.redis.port, ['SCRIPT', 'LOAD', script.lua])).toBe(
        script.sha,
      );
    }
  });
});
