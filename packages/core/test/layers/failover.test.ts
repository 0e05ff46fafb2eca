import { afterEach, describe, expect, it } from 'vitest';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { KvError } from '../../src/errors.js';
import { isStoreFailure } from '../../src/kit/policy.js';
import { isUnavailableError, withFailover } from '../../src/layers/failover.js';
import { createStore } from '../../src/store.js';
import { gateDriver } from '../fixtures/layers-gate-driver.js';

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  expect(unhandled).toEqual([]);
  unhandled = [];
});

function stack(options: Parameters<typeof withFailover>[1] = {}) {
  let now = 0;
  const primaryBase = memoryAdapter({ sweepIntervalMs: 0 });
  const gate = gateDriver(primaryBase.driver);
  const fallback = memoryAdapter({ sweepIntervalMs: 0 });
  const store = withFailover(createStore(gate), {
    fallback,
    timeoutMs: 20,
    breaker: { failureThreshold: 2, windowMs: 10_000, cooldownMs: 1000 },
    now: () => now,
    ...options,
  });
  return {
    store,
    gate,
    primaryBase,
    fallback,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const down = new KvError('E_CONNECTION', 'connect ECONNREFUSED');

describe('withFailover', () => {
  it('uses the primary while closed', async () => {
    const { store, primaryBase, fallback } = stack();
    await store.set('k', 'v');
    expect(await primaryBase.get('k')).toBe('v');
    expect(await fallback.get('k')).toBeNull();
    expect(store.failover.state).toBe('closed');
    expect(store.failover.stats).toMatchObject({ primary: 1, fallback: 0 });
  });

  it('does not count caller errors as failures', async () => {
    const { store } = stack();
    await store.set('k', 'v');
    for (let i = 0; i < 5; i++)
      await expect(store.lpush('k', 'x')).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
    expect(store.failover.state).toBe('closed');
  });

  it('serves from the fallback on connection errors, opens, probes and closes again', async () => {
    const { store, gate, fallback, advance } = stack();
    const states: string[] = [];
    store.failover.events.on('state', (e) => states.push(e.to));
    gate.failWith = down;
    await store.set('a', '1'); // fails on primary, lands on fallback
    expect(store.failover.state).toBe('closed');
    await store.set('b', '2'); // second failure opens
    expect(store.failover.state).toBe('open');
    const calls = gate.calls;
    expect(await store.get('a')).toBe('1'); // straight to fallback, primary untouched
    expect(gate.calls).toBe(calls);
    expect(await fallback.get('b')).toBe('2');
    gate.failWith = undefined;
    advance(1000);
    await store.set('c', '3'); // the probe
    expect(store.failover.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(store.failover.stats).toMatchObject({ failures: 2, opened: 1 });
  });

  it('times out a hanging call with E_TIMEOUT and a bounded wait', async () => {
    const { store, gate } = stack({ policy: 'fail-closed' });
    gate.hold();
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_TIMEOUT' });
    expect((error as Error).message).toMatch(
      /withFailover: get on \S+ \(its outcome there is unknown\) did not complete within 20 ms$/i,
    );
    await gate.release();
    expect(store.failover.stats.timeouts).toBe(1);
  });

  it('fail-open / fail-closed views reject fast with E_CIRCUIT_OPEN while open', async () => {
    const { store, gate } = stack();
    gate.failWith = down;
    await store.get('a');
    await store.get('b');
    expect(store.failover.state).toBe('open');
    const strict = store.failover.withPolicy('fail-closed');
    const error = await strict.get('a').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CIRCUIT_OPEN' });
    expect(isUnavailableError(error)).toBe(true);
    // One failure vocabulary: the deprecated name is the kit's function.
    expect(isUnavailableError).toBe(isStoreFailure);
    expect(strict.failover.policy).toBe('fail-closed');
    expect(strict.failover.state).toBe('open');
    expect(store.failover.stats.rejected).toBe(1);
  });

  it('a store that answered with an error (E_COMMAND) is a store failure, but not a breaker failure', async () => {
    const { store, gate, fallback } = stack();
    gate.failWith = new KvError('E_COMMAND', "READONLY You can't write against a read only replica.");
    for (let i = 0; i < 3; i++) {
      const error = await store.set('k', 'v').catch((e: unknown) => e);
      // The caller's policy decides (isStoreFailure); the layer neither opens nor falls back.
      expect(isStoreFailure(error)).toBe(true);
      expect(error).toMatchObject({ code: 'E_COMMAND' });
    }
    expect(store.failover.state).toBe('closed');
    expect(await fallback.exists('k')).toBe(0);
    expect(store.failover.stats).toMatchObject({ failures: 0, fallback: 0 });
  });

  it('scripts, batches and scans follow the breaker', async () => {
    const { store, gate, fallback } = stack();
    gate.failWith = down;
    await store.get('x');
    await store.get('y');
    await store.batch().set('k', 'v').incrBy('n', 2).exec();
    expect(await fallback.mget(['k', 'n'])).toEqual(['v', '2']);
    const keys: string[] = [];
    for await (const k of store.scan()) keys.push(k);
    expect(keys.sort()).toEqual(['k', 'n']);
  });

  it('rejects bad options naming the field', () => {
    expect(() => withFailover(memoryAdapter(), { timeoutMs: -1 })).toThrowError(/withFailover: timeoutMs/);
    expect(() => withFailover(memoryAdapter(), { breaker: { cooldownMs: 0 } })).toThrowError(
      /breaker\.cooldownMs/,
    );
  });

  it('defaults the fallback to a new memory store', async () => {
    const store = withFailover(memoryAdapter());
    expect(store.failover.fallback.name).toBe('memory');
    await store.close();
  });
});
