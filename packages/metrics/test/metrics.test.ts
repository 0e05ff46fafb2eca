import { instrument, type KvStore, memoryAdapter, withFailover, withL1 } from '@raptorflow/core';
import { emitOperation, featureEvents, operationStart } from '@raptorflow/core/kit';
import { expectCode } from '@raptorflow/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics, type MetricsAlert, OVERFLOW } from '../src/index.js';

/** Emit one event in the kit's convention, as every package does, with a chosen duration. */
function emit(
  store: KvStore,
  feature: string,
  operation: string,
  outcome: string,
  durationMs = 1,
  detail?: Record<string, unknown>,
) {
  featureEvents(store).emit('operation', { feature, operation, outcome, durationMs, detail });
}

const stores: KvStore[] = [];
function memory(clock?: () => number): KvStore {
  const s = memoryAdapter({ sweepIntervalMs: 0, clock });
  stores.push(s);
  return s;
}
afterAll(async () => {
  for (const s of stores) await s.close();
});

describe('createMetrics: counting the event convention', () => {
  it('counts any feature generically by feature, operation and outcome, through views of the store', async () => {
    const store = memory();
    const metrics = createMetrics({ store });
    // A package built on a namespace view emits on the same hub as the root store.
    const view = store.namespace('tenant:');
    const hub = featureEvents(view);
    for (let i = 0; i < 7; i++) {
      const started = operationStart(hub);
      emitOperation(hub, { feature: 'queue', operation: 'enqueue', started, outcome: 'ok' });
    }
    emit(store, 'queue', 'claim', 'claimed');
    emit(store, 'queue', 'claim', 'empty');
    emit(store, 'session', 'get', 'hit');
    emit(store, 'session', 'get', 'miss');
    emit(store, 'session', 'get', 'miss');
    const snap = metrics.snapshot();
    const features = snap.stores.default?.features ?? {};
    expect(features.queue?.enqueue?.total).toBe(7);
    expect(features.queue?.enqueue?.outcomes).toEqual({ ok: 7 });
    expect(features.queue?.claim?.outcomes).toEqual({ claimed: 1, empty: 1 });
    expect(features.session?.get?.windows['1m'].hitRate).toBeCloseTo(1 / 3);
    expect(features.queue?.claim?.windows['1m'].hitRate).toBeNull();
    metrics.close();
    // After close nothing more is counted.
    emit(store, 'queue', 'claim', 'claimed');
    expect(metrics.snapshot().stores.default?.features.queue?.claim?.total).toBe(2);
  });

  it('keeps rolling 1 min and 5 min windows on its clock: ops/s, p50, p99 and hit rates', () => {
    let now = 1_800_000_000_000;
    const store = memory();
    const metrics = createMetrics({ store, clock: () => now });
    // 100 calls of 1 ms ... 100 ms spread over 50 s, then 200 s later 60 calls of 2 ms.
    for (let i = 1; i <= 100; i++) {
      emit(store, 'cache', 'get', i % 4 === 0 ? 'miss' : 'hit', i);
      now += 500;
    }
    let w = metrics.snapshot().stores.default?.features.cache?.get?.windows;
    expect(w?.['1m'].count).toBe(100);
    expect(w?.['1m'].p50Ms).toBeGreaterThanOrEqual(45);
    expect(w?.['1m'].p50Ms).toBeLessThanOrEqual(55);
    expect(w?.['1m'].p99Ms).toBeGreaterThanOrEqual(90);
    expect(w?.['1m'].p99Ms).toBeLessThanOrEqual(110);
    expect(w?.['1m'].hitRate).toBe(0.75);
    expect(w?.['1m'].opsPerSec).toBeCloseTo(2, 0);
    now += 200_000;
    for (let i = 0; i < 60; i++) {
      emit(store, 'cache', 'get', 'miss', 2);
      now += 500;
    }
    w = metrics.snapshot().stores.default?.features.cache?.get?.windows;
    // The 1 min window holds only the second burst; 5 min still holds both.
    expect(w?.['1m'].count).toBe(60);
    expect(w?.['1m'].hitRate).toBe(0);
    expect(w?.['1m'].p99Ms).toBeGreaterThan(1.8);
    expect(w?.['1m'].p99Ms).toBeLessThan(2.2);
    expect(w?.['1m'].opsPerSec).toBeGreaterThan(0.9);
    expect(w?.['1m'].opsPerSec).toBeLessThan(1.1);
    expect(w?.['5m'].count).toBe(160);
    now += 301_000;
    w = metrics.snapshot().stores.default?.features.cache?.get?.windows;
    expect(w?.['5m'].count).toBe(0);
    expect(w?.['5m'].p50Ms).toBeNull();
    expect(metrics.snapshot().stores.default?.features.cache?.get?.total).toBe(160);
    metrics.close();
  });

  it('bounds label cardinality: raw keys and ids never become labels, extra values go to _other', () => {
    const store = memory();
    const metrics = createMetrics({ store, limits: { namespaces: 3, operations: 2, outcomes: 2 } });
    for (let i = 0; i < 50; i++) emit(store, 'cache', 'get', 'hit', 1, { namespace: `ns-${i}` });
    for (let i = 0; i < 10; i++) emit(store, 'queue', `op-${i}`, 'ok');
    // The workspace (tenant) is never a label.
    featureEvents(store).emit('operation', {
      feature: 'cache',
      operation: 'get',
      outcome: 'hit',
      tenant: 'ws-secret',
      durationMs: 1,
    });
    const text = metrics.prometheus();
    expect(text).not.toContain('ws-secret');
    const namespaces = new Set([...text.matchAll(/namespace="([^"]*)"/g)].map((m) => m[1]));
    expect(namespaces).toEqual(new Set(['ns-0', 'ns-1', 'ns-2', OVERFLOW, '']));
    expect(text).toContain(
      `raptorflow_cache_requests_total{store="default",namespace="${OVERFLOW}",tier="l2",result="hit"} 47`,
    );
    for (let i = 0; i < 6; i++) emit(store, 'session', 'get', `outcome-${i % 3}`);
    const queueOps = Object.keys(metrics.snapshot().stores.default?.features.queue ?? {});
    expect(queueOps).toEqual(['op-0', 'op-1', OVERFLOW]);
    expect(metrics.snapshot().stores.default?.features.queue?.[OVERFLOW]?.total).toBe(8);
    // Outcomes past the limit share one _other count.
    expect(metrics.snapshot().stores.default?.features.session?.get?.outcomes).toEqual({
      'outcome-0': 2,
      'outcome-1': 2,
      [OVERFLOW]: 2,
    });
    metrics.close();
  });

  it('counts exactly when events repeat and interleave (the hot path reuses the last series and count)', () => {
    const store = memory();
    const metrics = createMetrics({ store, limits: { namespaces: 2, limiters: 2, outcomes: 3 } });
    // A fixed pseudo-random sequence: runs of one (feature, operation, outcome, label) mixed
    // with switches, the case the reused last entries must not miscount.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 12) % n;
    };
    const want = new Map<string, number>();
    const tally = (k: string) => want.set(k, (want.get(k) ?? 0) + 1);
    const cacheOutcomes = ['l1-hit', 'hit', 'miss', 'stale'];
    const namespaces = ['a', 'b', 'c', undefined];
    const limiters = ['api', 'login', 'upload', undefined];
    // First appearances fix which labels are kept: a, b, api, login (limits of 2), o0-o2 (3).
    emit(store, 'cache', 'get', 'miss', 1, { namespace: 'a' });
    emit(store, 'cache', 'get', 'miss', 1, { namespace: 'b' });
    emit(store, 'ratelimit', 'limit', 'allowed', 1, { reason: 'allowed', limiter: 'api' });
    emit(store, 'ratelimit', 'limit', 'allowed', 1, { reason: 'allowed', limiter: 'login' });
    emit(store, 'session', 'get', 'o0');
    emit(store, 'session', 'get', 'o1');
    emit(store, 'session', 'get', 'o2');
    for (const k of ['cache\ta\tnone\tmiss', 'cache\tb\tnone\tmiss', 'rl\tallowed\tallowed\tapi']) tally(k);
    for (const k of ['rl\tallowed\tallowed\tlogin', 'session\to0', 'session\to1', 'session\to2']) tally(k);
    let run = 0;
    let kind = 0;
    let pick = 0;
    for (let i = 0; i < 5000; i++) {
      if (run-- <= 0) {
        run = next(20);
        kind = next(3);
        pick = next(64);
      }
      if (kind === 0) {
        const outcome = cacheOutcomes[pick % 4] as string;
        const ns = namespaces[(pick >> 2) % 4];
        emit(store, 'cache', 'get', outcome, 1, ns === undefined ? undefined : { namespace: ns });
        const tier = outcome === 'l1-hit' ? 'l1' : outcome === 'hit' ? 'l2' : 'none';
        const label = ns === undefined ? '' : ns === 'c' ? OVERFLOW : ns;
        tally(`cache\t${label}\t${tier}\t${outcome === 'l1-hit' ? 'hit' : outcome}`);
      } else if (kind === 1) {
        const allowed = pick % 2 === 0;
        const limiter = limiters[(pick >> 1) % 4];
        const reason = allowed ? 'allowed' : 'limit';
        emit(store, 'ratelimit', 'limit', allowed ? 'allowed' : 'denied', 1, { reason, limiter });
        const label = limiter === undefined ? '' : limiter === 'upload' ? OVERFLOW : limiter;
        tally(`rl\t${allowed ? 'allowed' : 'denied'}\t${reason}\t${label}`);
      } else {
        emit(store, 'session', 'get', `o${pick % 5}`);
        tally(`session\t${pick % 5 < 3 ? `o${pick % 5}` : OVERFLOW}`);
      }
    }
    const text = metrics.prometheus();
    const got = new Map<string, number>();
    for (const [, ns, tier, result, n] of text.matchAll(
      /^raptorflow_cache_requests_total\{store="default",namespace="([^"]*)",tier="(\w+)",result="(\w+)"\} (\d+)$/gm,
    ))
      got.set(`cache\t${ns}\t${tier}\t${result}`, Number(n));
    for (const [, result, reason, limiter, n] of text.matchAll(
      /^raptorflow_ratelimit_requests_total\{store="default",result="(\w+)",reason="(\w*)",limiter="([^"]*)"\} (\d+)$/gm,
    ))
      got.set(`rl\t${result}\t${reason}\t${limiter}`, Number(n));
    for (const [outcome, n] of Object.entries(
      metrics.snapshot().stores.default?.features.session?.get?.outcomes ?? {},
    ))
      got.set(`session\t${outcome}`, n);
    expect(got).toEqual(want);
    metrics.close();
  });

  it('counts llm-cache refusals by guard and ties, once per guard per miss, bounded', () => {
    const store = memory();
    const metrics = createMetrics({ store });
    const miss = (detail: Record<string, unknown>) => emit(store, 'llm-cache', 'get', 'miss', 1, detail);
    miss({ examined: 64, refused: ['antonym', 'numbers'], ambiguous: false });
    miss({ examined: 64, refused: ['antonym', 'antonym', 7, null], ambiguous: false });
    miss({ examined: 64, refused: [], ambiguous: true });
    miss({ examined: 64 });
    for (let i = 0; i < 20; i++) miss({ refused: [`made-up-${i}`] });
    const text = metrics.prometheus();
    const count = (reason: string) =>
      Number(
        text.match(
          new RegExp(
            `^raptorflow_llm_cache_refused_total\\{store="default",reason="${reason}"\\} (\\d+)$`,
            'm',
          ),
        )?.[1],
      );
    expect(count('antonym')).toBe(2);
    expect(count('numbers')).toBe(1);
    expect(count('ambiguous')).toBe(1);
    // 16 reasons at most (antonym, numbers and 14 made-up ones), the rest under _other.
    expect(count(OVERFLOW)).toBe(6);
    expect(text.match(/^raptorflow_llm_cache_refused_total\{/gm)).toHaveLength(16 + 2);
    metrics.close();
  });

  it('reads the L1 tier, an instrument layer and a failover layer anywhere in the stack', async () => {
    const base = memory();
    const failover = withFailover(base, { fallback: memory() });
    const store = instrument(withL1(failover, { channel: false }));
    const alerts: MetricsAlert[] = [];
    const lines: Array<[string, Record<string, unknown>]> = [];
    const logger = {
      info: (m: string, f: Record<string, unknown>) => lines.push([m, f]),
      warn: (m: string, f: Record<string, unknown>) => lines.push([m, f]),
      error: (m: string, f: Record<string, unknown>) => lines.push([m, f]),
    };
    const metrics = createMetrics({
      stores: { main: store.namespace('app:') },
      onAlert: (a) => alerts.push(a),
      logger,
    });
    await store.set('k', 'v');
    for (let i = 0; i < 5; i++) await store.get('k');
    const snap = metrics.snapshot().stores.main;
    expect(snap?.l1?.stats.hits).toBe(4);
    expect(snap?.l1?.stats.misses).toBe(1);
    expect(snap?.l1?.windows['1m'].hitRate).toBe(0.8);
    // The instrument layer is outermost: every call is seen, L1 hits included.
    expect(snap?.commands['command:GET']?.total).toBe(5);
    expect(snap?.commands['command:SET']?.total).toBe(1);
    expect(snap?.breaker?.state).toBe('closed');

    failover.failover.trip();
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'breaker', store: 'main', from: 'closed', to: 'open' }),
    ]);
    expect(
      lines.some(([m, f]) => m.includes('closed → open') && f.store === 'main' && f.kind === 'breaker'),
    ).toBe(true);
    await store.set('other', 'x'); // served by the fallback while open
    metrics.snapshot();
    expect(lines.some(([m, f]) => m.includes('served by the fallback') && f.calls === 1)).toBe(true);
    const text = metrics.prometheus();
    expect(text).toContain('raptorflow_breaker_state{store="main",state="open"} 1');
    expect(text).toContain('raptorflow_breaker_transitions_total{store="main",from="closed",to="open"} 1');
    expect(text).toContain('raptorflow_l1_requests_total{store="main",result="hit"} 4');
    expect(text).toMatch(
      /raptorflow_kv_command_duration_seconds_count\{store="main",adapter="[^"]+",kind="command",command="GET"\} 5/,
    );
    metrics.close();
  });

  it('rate-limits log lines per kind and says how many it left out', () => {
    let now = 0;
    const store = memory();
    const lines: Array<Record<string, unknown>> = [];
    const logger = {
      warn: (_m: string, f: Record<string, unknown>) => lines.push(f),
      error: () => undefined,
    };
    const metrics = createMetrics({ store, logger, logsPerMinute: 3, clock: () => now });
    for (let i = 0; i < 20; i++) {
      featureEvents(store).emit('operation', {
        feature: 'cache',
        operation: 'get',
        outcome: 'miss',
        durationMs: 1,
        error: 'E_CONNECTION',
      });
    }
    expect(lines).toHaveLength(3);
    now += 60_000;
    featureEvents(store).emit('operation', {
      feature: 'cache',
      operation: 'get',
      outcome: 'miss',
      durationMs: 1,
      error: 'E_TIMEOUT',
    });
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({
      kind: 'store-error',
      suppressed: 17,
      error: 'E_TIMEOUT',
      feature: 'cache',
    });
    metrics.close();
  });

  it('counts each adapter and layer once when two names share them', async () => {
    const store = instrument(memory());
    const metrics = createMetrics({ stores: { a: store, b: store.namespace('x:') } });
    emit(store, 'queue', 'enqueue', 'ok');
    await store.namespace('x:').set('k', 'v');
    const snap = metrics.snapshot();
    expect(snap.stores.a?.features.queue?.enqueue?.total).toBe(1);
    expect(snap.stores.b?.features.queue).toBeUndefined();
    expect(snap.stores.a?.commands['command:SET']?.total).toBe(1);
    expect(snap.stores.b?.commands['command:SET']).toBeUndefined();
    metrics.close();
  });

  it('refuses bad options with E_INVALID_OPTIONS naming the field', () => {
    const store = memory();
    const bad: Array<[unknown, string]> = [
      [{}, 'createMetrics: store: give one store'],
      [{ store, stores: { a: store } }, 'createMetrics: store: give one store'],
      [{ store: 'redis://' }, 'createMetrics: store: expected a RaptorFlow KV store'],
      [{ store, prefix: 'bad-prefix' }, 'createMetrics: prefix: must be a Prometheus metric name prefix'],
      [{ store, limits: { namespaces: 0 } }, 'createMetrics: limits.namespaces'],
      [{ store, logger: {} }, 'createMetrics: logger: expected an object with warn and error'],
      [{ stores: { 'a b': store } }, 'createMetrics: stores.a b'],
      [{ store, colck: Date.now }, 'createMetrics: colck: is not an option'],
    ];
    for (const [options, message] of bad) {
      expect(() => createMetrics(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
    void expectCode;
  });
});
