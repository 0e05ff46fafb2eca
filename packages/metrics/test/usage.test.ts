import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { createLlmCache, type LlmRequest } from '@raptorflow/llm-cache';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsage } from '../src/index.js';

const DAY = 86_400_000;

/**
 * Resolves once usage has stored `n` records (its own `record` events on the hub, emitted after
 * the write): the test waits on that event, never on a timer.
 */
function recordsStored(store: KvStore, n: number): Promise<void> {
  let stored = 0;
  return new Promise((resolve, reject) => {
    const off = featureEvents(store).on('operation', (e) => {
      if (e.feature !== 'metrics' || e.operation !== 'record') return;
      if (e.outcome !== 'ok') {
        off();
        reject(new Error(`usage write failed: ${String(e.error)}`));
        return;
      }
      stored += Number(e.detail?.records ?? 0);
      if (stored >= n) {
        off();
        resolve();
      }
    });
  });
}
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
describe.each(storeMatrix())('usage on $name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });

  it('records per workspace, day and month, per model, exact to the micro-unit of cost', async () => {
    let now = T0;
    const usage = createUsage({ store, clock: () => now });
    await usage.record('ws-1', { model: 'gpt-4o', inputTokens: 812, outputTokens: 95, cost: 0.0031 });
    await Promise.all([
      usage.record('ws-1', { model: 'gpt-4o', inputTokens: 100, outputTokens: 5, cost: 0.0001 }),
      usage.record('ws-1', { model: 'claude', inputTokens: 7, cost: 0.1 }),
      usage.record('ws-2', { model: 'gpt-4o', inputTokens: 1 }),
    ]);
    now += DAY;
    await usage.record('ws-1', { inputTokens: 3, outputTokens: 4, cost: 1.25 });
    await usage.recordSaving('ws-1', { model: 'gpt-4o', inputTokens: 812, outputTokens: 95, cost: 0.0031 });
    const report = await usage.report('ws-1', { from: '2026-12-01', to: '2026-12-03' });
    expect(report.periods.map((p) => [p.period, p.calls, p.inputTokens])).toEqual([
      ['2026-12-01', 0, 0],
      ['2026-12-02', 3, 919],
      ['2026-12-03', 1, 3],
    ]);
    expect(report.total).toEqual({
      inputTokens: 922,
      outputTokens: 104,
      cost: 1.3532,
      calls: 4,
      savedInputTokens: 812,
      savedOutputTokens: 95,
      savedCost: 0.0031,
      savedCalls: 1,
    });
    expect(report.byModel['gpt-4o']).toMatchObject({
      inputTokens: 912,
      outputTokens: 100,
      cost: 0.0032,
      calls: 2,
      savedCalls: 1,
    });
    expect(report.byModel.claude).toMatchObject({ inputTokens: 7, cost: 0.1, calls: 1 });
    const months = await usage.report('ws-1', { from: T0 - 40 * DAY, to: T0, granularity: 'month' });
    expect(months.periods.map((p) => [p.period, p.calls])).toEqual([
      ['2026-10', 0],
      ['2026-11', 0],
      ['2026-12', 4],
    ]);
    // Another workspace's usage is its own.
    expect((await usage.report('ws-2', { from: T0, to: T0 })).total.inputTokens).toBe(1);
  });

  it('reports its own writes and reports on the feature-event hub', async () => {
    const usage = createUsage({ store, prefix: 'events:', clock: () => T0 });
    const seen: Array<Record<string, unknown>> = [];
    const off = featureEvents(store).on('operation', (e) => {
      if (e.feature === 'metrics')
        seen.push({ operation: e.operation, outcome: e.outcome, detail: e.detail });
    });
    try {
      await Promise.all([usage.record('ws-e', { inputTokens: 1 }), usage.record('ws-e', { inputTokens: 2 })]);
      await usage.report('ws-e', { from: T0, to: T0 });
    } finally {
      off();
    }
    expect(seen).toEqual([
      { operation: 'record', outcome: 'ok', detail: { records: 2, workspaces: 1 } },
      { operation: 'report', outcome: 'ok', detail: undefined },
    ]);
  });

  it('keeps each hash for its retention after the last write, on the store clock', async () => {
    const usage = createUsage({
      store,
      prefix: 'ttl:',
      dayRetention: '2d',
      monthRetention: '30d',
      clock: () => T0,
    });
    await usage.record('ws-ttl', { inputTokens: 1 });
    const dayTtl = await store.pttl('ttl:{ws-ttl}:usage:d:2026-12-02');
    const monthTtl = await store.pttl('ttl:{ws-ttl}:usage:m:2026-12');
    expect(dayTtl).toBeGreaterThan(2 * DAY - 5_000);
    expect(dayTtl).toBeLessThanOrEqual(2 * DAY);
    expect(monthTtl).toBeGreaterThan(30 * DAY - 5_000);
  });

  it('lands llm-cache savings events by configuration; other events and bad ones are ignored', async () => {
    const usage = createUsage({
      store,
      prefix: 'ev:',
      clock: () => T0,
      events: [{ feature: 'llm-cache', kind: 'saved' }],
    });
    const hub = featureEvents(store);
    const saved = { model: 'gpt-4o', savedInputTokens: 500, savedOutputTokens: 50, savedCost: 0.002 };
    hub.emit('operation', {
      feature: 'llm-cache',
      operation: 'lookup',
      outcome: 'exact-hit',
      tenant: 'ws-ev',
      durationMs: 1,
      detail: saved,
    });
    hub.emit('operation', {
      feature: 'llm-cache',
      operation: 'lookup',
      outcome: 'miss',
      tenant: 'ws-ev',
      durationMs: 1,
      detail: {},
    });
    hub.emit('operation', {
      feature: 'cache',
      operation: 'get',
      outcome: 'hit',
      tenant: 'ws-ev',
      durationMs: 1,
      detail: saved,
    });
    hub.emit('operation', {
      feature: 'llm-cache',
      operation: 'lookup',
      outcome: 'exact-hit',
      durationMs: 1,
      detail: saved,
    });
    hub.emit('operation', {
      feature: 'llm-cache',
      operation: 'lookup',
      outcome: 'exact-hit',
      tenant: 'ws-ev',
      durationMs: 1,
      detail: { savedInputTokens: -1 },
    });
    await usage.close();
    const { total } = await usage.report('ws-ev', { from: T0, to: T0 });
    expect(total).toMatchObject({
      savedInputTokens: 500,
      savedOutputTokens: 50,
      savedCost: 0.002,
      savedCalls: 1,
      calls: 0,
    });
  });

  it('refuses bad input before any write, and a corrupt hash with its own code', async () => {
    const usage = createUsage({ store, prefix: 'bad:', clock: () => T0 });
    for (const entry of [
      { inputTokens: -1 },
      { inputTokens: 1.5 },
      { outputTokens: Number.NaN },
      { cost: -0.01 },
      { cost: Number.POSITIVE_INFINITY },
      { model: 42 },
      null,
    ]) {
      await expectCode(usage.record('ws-bad', entry as never), 'E_INVALID_ARGUMENT');
    }
    for (const ws of ['', 'a{b', 'c}'])
      await expectCode(usage.record(ws, { inputTokens: 1 }), 'E_INVALID_ARGUMENT');
    await expectCode(usage.report('ws-bad', { from: 'yesterday', to: T0 }), 'E_INVALID_ARGUMENT');
    await expectCode(usage.report('ws-bad', { from: T0, to: T0 - DAY }), 'E_INVALID_ARGUMENT');
    await expectCode(usage.report('ws-bad', { from: 0, to: T0 }), 'E_INVALID_ARGUMENT');
    expect((await usage.report('ws-bad', { from: T0, to: T0 })).total.calls).toBe(0);
    await store.hset('bad:{ws-bad}:usage:d:2026-12-02', { in: 'oops' });
    await expectCode(usage.report('ws-bad', { from: T0, to: T0 }), 'E_METRICS_USAGE_CORRUPT');
  });
});

describe('createUsage options', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());
  it('names the bad field in E_INVALID_OPTIONS', () => {
    const bad: Array<[unknown, string]> = [
      [{}, 'createUsage: store: expected a RaptorFlow KV store'],
      [{ store, dayRetention: 0 }, 'createUsage: dayRetention'],
      [{ store, batchMs: -1 }, 'createUsage: batchMs'],
      [{ store, events: [{ feature: 'llm-cache', kind: 'other' }] }, 'createUsage: events.0.kind'],
      [{ store, retention: '1d' }, 'createUsage: retention: is not an option'],
    ];
    for (const [options, message] of bad) {
      expect(() => createUsage(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
  });
});

/*
 * Round trips on a redis-server of this file's own (INFO commandstats), so no other file's
 * commands mix in.
 */
describe('round trips on Redis', () => {
  let server: RedisServer;
  let store: KvStore;
  beforeAll(async () => {
    server = await startRedis();
    store = ioredisAdapter({ host: server.host, port: server.port });
    await createUsage({ store }).record('warm', { inputTokens: 1 }); // loads the script
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });
  const top = (counts: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(counts).filter(([n]) => ['evalsha', 'eval', 'hgetall', 'exec', 'multi'].includes(n)),
    );

  it('one record is one EVALSHA; 200 arriving together for 3 workspaces are 3 EVALSHA in one batch', async () => {
    const usage = createUsage({ store });
    expect(
      top(await countCommands(server, () => usage.record('ws-a', { model: 'm', inputTokens: 5, cost: 0.5 }))),
    ).toEqual({ evalsha: 1 });
    expect(
      top(
        await countCommands(server, () =>
          Promise.all(
            Array.from({ length: 200 }, (_, i) =>
              usage.record(`ws-${i % 3}`, { model: `m${i % 4}`, inputTokens: 1 }),
            ),
          ),
        ),
      ),
    ).toEqual({ evalsha: 3 });
    const report = await usage.report('ws-1', { from: Date.now(), to: Date.now() });
    expect(report.total.calls).toBe(67);
    expect(report.total.inputTokens).toBe(67);
  });

  it('batchMs merges records spread over time into one write', async () => {
    const usage = createUsage({ store, batchMs: 50 });
    const counts = await countCommands(server, async () => {
      const a = usage.record('ws-t', { inputTokens: 1 });
      await new Promise((r) => setTimeout(r, 5));
      const b = usage.record('ws-t', { inputTokens: 2 });
      await Promise.all([a, b]);
    });
    expect(top(counts)).toEqual({ evalsha: 1 });
  });

  it('a report of 31 days is one round trip (31 HGETALL pipelined)', async () => {
    const usage = createUsage({ store });
    const counts = await countCommands(server, () =>
      usage.report('ws-a', { from: Date.now() - 30 * DAY, to: Date.now() }),
    );
    expect(top(counts)).toEqual({ hgetall: 31 });
  });
});

// End to end: a real llm-cache's hits land in usage with their model and input/output split.
describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))(
  'llm-cache savings into usage on $name',
  ({ create }) => {
    let store: KvStore;
    beforeAll(async () => {
      store = (await create()).namespace(randomPrefix());
    });
    afterAll(async () => {
      await store.close();
    });

    it('every hit is one saved call of its model, with its input and output tokens and cost, exact', async () => {
      const usage = createUsage({
        store,
        clock: () => T0,
        events: [{ feature: 'llm-cache', kind: 'saved' }],
      });
      const llm = createLlmCache({ store });
      const ask = (model: string, content: string): LlmRequest => ({
        model,
        messages: [{ role: 'user', content }],
        params: { temperature: 0 },
      });
      const entries = [
        // model, tokens of the cached call (input, output), hits, tenant
        ['gpt-4o', 1200, 300, 3, 'acme'],
        ['gpt-4o-mini', 1000, 500, 2, 'acme'],
        ['my-own-model', 50, 7, 1, 'acme'], // not in the price table: tokens, no cost
        ['gpt-4o', 10, 20, 4, 'other'],
      ] as const;
      let hits = 0;
      for (const [, , , n] of entries) hits += n;
      const stored = recordsStored(store, hits);
      for (const [model, inputTokens, outputTokens, n, tenant] of entries) {
        const request = ask(model, `What does ${model} say to ${tenant}?`);
        await llm.set(request, 'an answer', { tenant, usage: { inputTokens, outputTokens } });
        for (let i = 0; i < n; i++) {
          const hit = await llm.get(request, { tenant });
          expect(hit?.saved).toMatchObject({ model, inputTokens, outputTokens });
        }
      }
      await stored;
      const { total, byModel } = await usage.report('acme', { from: T0, to: T0 });
      // gpt-4o 2.5 / 10 and gpt-4o-mini 0.15 / 0.60 per million tokens (DEFAULT_PRICES).
      expect(total).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        cost: 0,
        calls: 0,
        savedInputTokens: 3 * 1200 + 2 * 1000 + 50,
        savedOutputTokens: 3 * 300 + 2 * 500 + 7,
        savedCost: 0.0189,
        savedCalls: 6,
      });
      expect(byModel['gpt-4o']).toMatchObject({
        savedInputTokens: 3600,
        savedOutputTokens: 900,
        savedCost: 0.018,
        savedCalls: 3,
      });
      expect(byModel['gpt-4o-mini']).toMatchObject({
        savedInputTokens: 2000,
        savedOutputTokens: 1000,
        savedCost: 0.0009,
        savedCalls: 2,
      });
      expect(byModel['my-own-model']).toMatchObject({
        savedInputTokens: 50,
        savedOutputTokens: 7,
        savedCost: 0,
        savedCalls: 1,
      });
      const other = await usage.report('other', { from: T0, to: T0 });
      expect(other.byModel).toEqual({
        'gpt-4o': expect.objectContaining({ savedInputTokens: 40, savedOutputTokens: 80, savedCalls: 4 }),
      });
      expect(other.total.savedCost).toBe(4 * 0.000225);
      await llm.close();
      await usage.close();
    });
  },
);
