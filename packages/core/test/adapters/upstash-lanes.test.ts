// Several requests in flight on Upstash (`maxConcurrentRequests`), against the local REST server:
// each key's commands keep their issue order, a slow request holds back only its own lane, a
// batch across lanes and a keyless command run alone, and the read-your-writes token never goes
// back to an older one. Every ordering is decided by a gate the test opens, not by timing.
import { respCommand } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { tagHash } from '../../src/adapters/upstash/queue.js';
import { newerToken } from '../../src/adapters/upstash/transport.js';
import { upstashAdapter, upstashDriver } from '../../src/adapters/upstash.js';
import { kvFromEnv } from '../../src/config.js';
import { createStore } from '../../src/driver/index.js';
import type { KvStore } from '../../src/index.js';

const { upstash, redis: direct } = inject('raptorflow');
const run = `ulanes:${Math.random().toString(36).slice(2, 8)}:`;
const stores: KvStore[] = [];

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  const keys = await respCommand(direct.host, direct.port, ['KEYS', `${run}*`]);
  if (Array.isArray(keys) && keys.length > 0)
    await respCommand(direct.host, direct.port, ['DEL', ...(keys as string[])]);
});

/** One request as the fetch wrapper saw it: its commands, the token it carried, and when it was sent and answered. */
interface Seen {
  commands: string[][];
  token: string | null;
  /** The token the answer carried. */
  answered: string | null;
  sent: number;
  done: number;
}

/** A fetch that logs every request on one clock of events, and holds back answers `hold` picks until released. */
function watchedFetch(hold: (commands: string[][]) => Promise<void> | undefined = () => undefined) {
  let clock = 0;
  let inFlight = 0;
  const log: Seen[] = [];
  const state = { log, maxInFlight: 0 };
  const wrapped: typeof fetch = async (input, init) => {
    const seen: Seen = {
      commands: JSON.parse(String(init?.body)) as string[][],
      token: new Headers(init?.headers).get('upstash-sync-token'),
      answered: null,
      sent: clock++,
      done: -1,
    };
    log.push(seen);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      const res = await fetch(input, init);
      seen.answered = res.headers.get('upstash-sync-token');
      await hold(seen.commands);
      return res;
    } finally {
      inFlight--;
      seen.done = clock++;
    }
  };
  return { fetch: wrapped, state };
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

/** Keys named `${run}${label}:n` that fall in distinct lanes of `lanes`. */
function keysInDistinctLanes(label: string, count: number, lanes: number): string[] {
  const byLane = new Map<number, string>();
  for (let n = 0; byLane.size < count; n++) {
    const key = `${run}${label}:${n}`;
    const lane = tagHash(key) % lanes;
    if (!byLane.has(lane)) byLane.set(lane, key);
  }
  return [...byLane.values()];
}

function open(options: { lanes: number; fetch: typeof fetch }): KvStore {
  const store = upstashAdapter({
    url: upstash.url,
    token: upstash.token,
    fetch: options.fetch,
    maxConcurrentRequests: options.lanes,
  });
  stores.push(store);
  return store;
}

describe('upstash adapter: several requests in flight', () => {
  it('keeps every key in issue order while requests run in parallel', async () => {
    const watched = watchedFetch();
    const store = open({ lanes: 4, fetch: watched.fetch });
    const keys = keysInDistinctLanes('order', 4, 4);
    const results = new Map<string, Promise<number>[]>(keys.map((k) => [k, []]));
    for (let i = 0; i < 10; i++) for (const key of keys) results.get(key)?.push(store.incrBy(key, 1));
    for (const key of keys) {
      expect(await Promise.all(results.get(key) ?? [])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    expect(watched.state.maxInFlight).toBe(4);
  });

  it('holds back only the slow request’s own lane', async () => {
    const slow = gate();
    const [slowKey, fastKey] = keysInDistinctLanes('slow', 2, 4) as [string, string];
    const watched = watchedFetch((commands) =>
      commands.some((c) => c.includes(slowKey)) ? slow.wait : undefined,
    );
    const store = open({ lanes: 4, fetch: watched.fetch });
    const settled: string[] = [];
    const write = store.set(slowKey, 'a').then(() => settled.push('slow set'));
    const readBack = store.get(slowKey).then((v) => settled.push(`slow get ${v}`));
    expect(await store.set(fastKey, 'b')).toBe(true);
    expect(await store.get(fastKey)).toBe('b');
    // The other lane answered twice while the slow lane's first request is still held.
    expect(settled).toEqual([]);
    slow.open();
    await Promise.all([write, readBack]);
    expect(settled).toEqual(['slow set', 'slow get a']);
  });

  it('runs a batch across lanes and a keyless command alone, in issue order', async () => {
    const watched = watchedFetch();
    const store = open({ lanes: 4, fetch: watched.fetch });
    const [k1, k2] = keysInDistinctLanes('alone', 2, 4) as [string, string];
    const calls = [
      store.set(k1, '1'),
      store.set(k2, '2'),
      store.batch().incrBy(k1, 10).incrBy(k2, 20).exec(),
      store.incrBy(k1, 100),
      store.publish(`${run}chan`, 'x'),
      store.incrBy(k2, 200),
    ];
    const out = await Promise.all(calls);
    expect(out.slice(2)).toEqual([[11, 22], 111, 0, 222]);
    const log = watched.state.log;
    const index = (name: string, delta: string) =>
      log.findIndex((r) => r.commands.some((c) => c[0] === name && c.includes(delta)));
    const batch = log[index('INCRBY', '20')] as Seen;
    const publish = log[index('PUBLISH', 'x')] as Seen;
    expect(batch.commands.map((c) => c[2])).toEqual(['10', '20']);
    expect(publish.commands).toHaveLength(1);
    for (const lone of [batch, publish]) {
      for (const other of log) {
        if (other === lone) continue;
        // Every other request was answered before the lone one was sent, or sent after it was answered.
        expect(other.done < lone.sent || other.sent > lone.done).toBe(true);
      }
    }
    // Issue order across the lone ones: the writes before, the batch, INCRBY 100, PUBLISH, INCRBY 200.
    expect(index('INCRBY', '100')).toBeGreaterThan(log.indexOf(batch));
    expect(log.indexOf(publish)).toBeGreaterThan(index('INCRBY', '100'));
    expect(index('INCRBY', '200')).toBeGreaterThan(log.indexOf(publish));
  });

  it('keeps every call in issue order with maxConcurrentRequests: 1', async () => {
    const watched = watchedFetch();
    const store = open({ lanes: 1, fetch: watched.fetch });
    const keys = keysInDistinctLanes('single', 4, 4);
    await Promise.all(keys.map((k) => store.set(k, 'v')));
    await new Promise((r) => setTimeout(r, 0));
    await Promise.all(keys.map((k) => store.get(k)));
    expect(watched.state.maxInFlight).toBe(1);
  });

  it('never sends an older read-your-writes token after a newer one came back', async () => {
    const late = gate();
    const answered = gate();
    const [kA, kB] = keysInDistinctLanes('token', 2, 4) as [string, string];
    const watched = watchedFetch((commands) => {
      if (!commands.some((c) => c.includes(kA) && c[0] === 'SET')) return undefined;
      answered.open();
      return late.wait;
    });
    const store = open({ lanes: 4, fetch: watched.fetch });
    // A's write is answered by the server first, but its answer reaches the client last.
    const first = store.set(kA, 'a');
    await answered.wait;
    await store.set(kB, 'b');
    late.open();
    await first;
    await store.get(kB);
    const [a, b, get] = watched.state.log as [Seen, Seen, Seen];
    expect([a.commands[0]?.[0], b.commands[0]?.[0], get.commands[0]?.[0]]).toEqual(['SET', 'SET', 'GET']);
    expect(Number(b.answered)).toBeGreaterThan(Number(a.answered));
    // The GET carries B's token: A's older one arrived later and was not kept.
    expect(get.token).toBe(b.answered);
  });

  it('keeps the newer of two decimal tokens, else the last answered (the official client’s rule)', () => {
    expect(newerToken('301', '300')).toBe('301');
    expect(newerToken('99', '100')).toBe('100');
    expect(newerToken('', '5')).toBe('5');
    expect(newerToken('5', '')).toBe('');
    expect(newerToken('opaque-a', 'opaque-b')).toBe('opaque-b');
  });

  it('takes maxConcurrentRequests from REDIS_MAX_CONNECTIONS', async () => {
    const { store } = await kvFromEnv({
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      REDIS_MAX_CONNECTIONS: '3',
    });
    stores.push(store);
    expect((store.driver as ReturnType<typeof upstashDriver>).maxConcurrentRequests).toBe(3);
    const defaults = upstashDriver({ url: upstash.url, token: upstash.token });
    stores.push(createStore(defaults));
    expect(defaults.maxConcurrentRequests).toBe(1);
  });
});
