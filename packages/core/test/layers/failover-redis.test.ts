import {
  commandStats,
  diffCommandStats,
  type FaultProxy,
  type RedisServer,
  startFaultProxy,
  startRedis,
} from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { type FailoverStore, withFailover } from '../../src/layers/failover.js';

// Fault tests: a redis-server of our own (killed and restarted here), behind the fault proxy.
const TIMEOUT_MS = 250;
// Scheduling slack on a shared 2-core machine; a call that hangs on the primary would exceed it by far.
const SLACK_MS = 400;
const MAX_CALLS = 3000;
const MAX_WALL_MS = 12_000;

let server: RedisServer;
let proxy: FaultProxy;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startRedis();
  proxy = await startFaultProxy({ target: { host: server.host, port: server.port } });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await proxy?.stop();
  await server?.stop();
});

interface Load {
  calls: number;
  failed: number;
  slow: number;
  maxMs: number;
  errors: Map<string, number>;
}

/** Run paced calls on `workers` workers until `until()` is true or the budget is spent. */
async function drive(
  store: FailoverStore,
  load: Load,
  until: () => boolean,
  budget: { calls: number; deadline: number },
  workers = 2,
  paceMs = 2,
): Promise<boolean> {
  let done = false;
  const worker = async (w: number): Promise<void> => {
    while (!done && load.calls < budget.calls && performance.now() < budget.deadline) {
      if (until()) {
        done = true;
        break;
      }
      const i = load.calls++;
      const key = `fo:${w}:${i % 50}`;
      const t0 = performance.now();
      try {
        if (i % 2 === 0) await store.set(key, String(i));
        else await store.get(key);
      } catch (error) {
        load.failed++;
        const code = (error as { code?: string }).code ?? String(error);
        load.errors.set(code, (load.errors.get(code) ?? 0) + 1);
      }
      const ms = performance.now() - t0;
      if (ms > TIMEOUT_MS + SLACK_MS) load.slow++;
      load.maxMs = Math.max(load.maxMs, ms);
      await new Promise((r) => setTimeout(r, paceMs));
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return until();
}

/** ioredis through the fault proxy, behind failover to memory: the stack both fault tests drive. */
function failoverThroughProxy(commandTimeoutMs: number) {
  const primary = ioredisAdapter({
    host: proxy.host,
    port: proxy.port,
    connectTimeoutMs: 500,
    commandTimeoutMs,
  });
  return withFailover(primary, {
    fallback: memoryAdapter({ sweepIntervalMs: 0 }),
    timeoutMs: TIMEOUT_MS,
    breaker: { failureThreshold: 3, windowMs: 5000, cooldownMs: 300 },
  });
}

describe('withFailover on ioredis under faults', () => {
  it('keeps answering from memory while Redis is killed, and returns to Redis after a restart', async () => {
    const store = failoverThroughProxy(2000);
    const transitions: string[] = [];
    store.failover.events.on('state', (e) => transitions.push(e.to));
    const load: Load = { calls: 0, failed: 0, slow: 0, maxMs: 0, errors: new Map() };
    const start = performance.now();
    const budget = { calls: MAX_CALLS, deadline: start + MAX_WALL_MS };
    try {
      // Phase 1: Redis up.
      const phase1 = load.calls + 200;
      await drive(store, load, () => load.calls >= phase1, budget);
      expect(store.failover.stats.primary).toBeGreaterThan(0);

      // Phase 2: Redis killed in the middle of the load.
      await server.kill();
      const killedAt = performance.now();
      let openedAt = 0;
      const phase2 = () => {
        if (store.failover.state === 'open' && openedAt === 0) openedAt = load.calls;
        return openedAt > 0 && load.calls >= openedAt + 200;
      };
      expect(await drive(store, load, phase2, budget)).toBe(true);
      const openMs = performance.now() - killedAt;

      // Phase 3: Redis back; the breaker must close and calls must reach the new server.
      await server.restart();
      const restartedAt = performance.now();
      const primaryBefore = store.failover.stats.primary;
      let closedAt = 0;
      const phase3 = () => {
        if (store.failover.state === 'closed' && closedAt === 0) closedAt = performance.now();
        return closedAt > 0 && store.failover.stats.primary >= primaryBefore + 100;
      };
      expect(await drive(store, load, phase3, budget)).toBe(true);
      const stats = await commandStats(server.host, server.port);
      const reached = (stats.get('set') ?? 0) + (stats.get('get') ?? 0);

      const figures = {
        calls: load.calls,
        failed: load.failed,
        errors: Object.fromEntries(load.errors),
        slowerThanTimeoutPlusSlack: load.slow,
        maxCallMs: Math.round(load.maxMs),
        killToOpenMs: Math.round(openMs),
        restartToClosedMs: Math.round(closedAt - restartedAt),
        callsOnRestartedRedis: reached,
        stats: store.failover.stats,
        transitions,
        totalMs: Math.round(performance.now() - start),
      };
      console.log(`[failover-redis] kill/restart ${JSON.stringify(figures)}`);

      expect(load.failed).toBe(0);
      expect(load.slow).toBe(0);
      expect(reached).toBeGreaterThanOrEqual(100);
      expect(transitions[0]).toBe('open');
      expect(transitions.at(-1)).toBe('closed');
      expect(unhandled).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('bounds every call by the timeout while the proxy black-holes traffic, then recovers after a reset', async () => {
    if (!(await isUp())) await server.restart();
    const store = failoverThroughProxy(5000);
    const load: Load = { calls: 0, failed: 0, slow: 0, maxMs: 0, errors: new Map() };
    const start = performance.now();
    const budget = { calls: MAX_CALLS, deadline: start + MAX_WALL_MS };
    try {
      await drive(store, load, () => load.calls >= 100, budget);
      await proxy.blackHole();
      let opened = 0;
      const phase2 = () => {
        if (store.failover.state === 'open' && opened === 0) opened = load.calls;
        return opened > 0 && load.calls >= opened + 100;
      };
      expect(await drive(store, load, phase2, budget)).toBe(true);
      expect(store.failover.stats.timeouts).toBeGreaterThanOrEqual(3);
      // A black-holed connection never errors by itself: reset it so the client reconnects.
      await proxy.passThrough();
      proxy.dropAll();
      const resetAt = performance.now();
      const primaryBefore = store.failover.stats.primary;
      let closedAt = 0;
      const phase3 = () => {
        if (store.failover.state === 'closed' && closedAt === 0) closedAt = performance.now();
        return closedAt > 0 && store.failover.stats.primary >= primaryBefore + 50;
      };
      expect(await drive(store, load, phase3, budget)).toBe(true);
      console.log(
        `[failover-redis] black-hole ${JSON.stringify({
          calls: load.calls,
          failed: load.failed,
          slow: load.slow,
          maxCallMs: Math.round(load.maxMs),
          resetToClosedMs: Math.round(closedAt - resetAt),
          stats: store.failover.stats,
        })}`,
      );
      expect(load.failed).toBe(0);
      expect(load.slow).toBe(0);
      expect(unhandled).toEqual([]);
    } finally {
      await proxy.passThrough();
      await store.close();
    }
  });

  it('heals a stalled connection on its own: calls reach Redis again and the breaker closes', async () => {
    if (!(await isUp())) await server.restart();
    await proxy.passThrough();
    // The adapter's default socketTimeoutMs (2000) is what heals the connection.
    const store = failoverThroughProxy(2000);
    const load: Load = { calls: 0, failed: 0, slow: 0, maxMs: 0, errors: new Map() };
    // Events, stamped as they happen: the test decides on them, the clock only measures.
    let stalledAt = 0;
    let firstTimeoutAt = 0;
    let openedAt = 0;
    let closedAt = 0;
    const transitions: string[] = [];
    store.failover.events.on('failure', (e) => {
      if (stalledAt > 0 && firstTimeoutAt === 0 && e.error.code === 'E_TIMEOUT') {
        firstTimeoutAt = performance.now();
      }
    });
    store.failover.events.on('state', (e) => {
      if (stalledAt === 0) return;
      transitions.push(e.to);
      if (e.to === 'open' && openedAt === 0) openedAt = performance.now();
      if (e.to === 'closed' && openedAt > 0 && closedAt === 0) closedAt = performance.now();
    });
    const start = performance.now();
    const budget = { calls: 6000, deadline: start + 15_000 };
    try {
      await drive(store, load, () => load.calls >= 100, budget, 2, 5);
      expect(store.failover.stats.primary).toBeGreaterThan(0);

      const before = await commandStats(server.host, server.port);
      expect(proxy.stallOpen()).toBeGreaterThanOrEqual(1);
      stalledAt = performance.now();
      const primaryAtStall = store.failover.stats.primary;
      let primaryAtClose = 0;
      const healed = () => {
        if (closedAt > 0 && primaryAtClose === 0) primaryAtClose = store.failover.stats.primary;
        return closedAt > 0 && store.failover.stats.primary >= primaryAtClose + 100;
      };
      const recovered = await drive(store, load, healed, budget, 2, 5);
      const after = await commandStats(server.host, server.port);
      const delta = diffCommandStats(before, after);
      const reached = (delta.get('set') ?? 0) + (delta.get('get') ?? 0);

      console.log(
        `[failover-redis] stall ${JSON.stringify({
          recovered,
          firstTimeoutToClosedMs: closedAt > 0 ? Math.round(closedAt - firstTimeoutAt) : null,
          stallToFirstTimeoutMs: firstTimeoutAt > 0 ? Math.round(firstTimeoutAt - stalledAt) : null,
          stallToOpenMs: openedAt > 0 ? Math.round(openedAt - stalledAt) : null,
          calls: load.calls,
          failed: load.failed,
          slow: load.slow,
          maxCallMs: Math.round(load.maxMs),
          callsReachingRedisAfterStall: reached,
          primarySinceStall: store.failover.stats.primary - primaryAtStall,
          stats: store.failover.stats,
          transitions: transitions.length > 12 ? [...transitions.slice(0, 12), '…'] : transitions,
          proxy: { accepted: proxy.accepted, open: proxy.open, stalled: proxy.stalled },
          totalMs: Math.round(performance.now() - start),
        })}`,
      );
      // The stall was felt (calls timed out and the circuit opened), then healed on its own.
      expect(firstTimeoutAt).toBeGreaterThan(0);
      expect(openedAt).toBeGreaterThan(0);
      expect(recovered).toBe(true);
      expect(transitions.at(-1)).toBe('closed');
      // Commands reach the server again, over a new connection (the stalled one is closed).
      expect(reached).toBeGreaterThanOrEqual(100);
      expect(proxy.stalled).toBe(0);
      expect(load.failed).toBe(0);
      expect(load.slow).toBe(0);
      expect(unhandled).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

async function isUp(): Promise<boolean> {
  try {
    await commandStats(server.host, server.port);
    return true;
  } catch {
    return false;
  }
}
