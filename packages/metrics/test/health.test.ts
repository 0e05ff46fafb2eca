import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KvStore, memoryAdapter, withFailover, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { featureEvents } from '@raptorflow/core/kit';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, createMetrics, health, parseInfo } from '../src/index.js';

const KIND: Record<string, string> = {
  memory: 'memory',
  ioredis: 'redis',
  'ioredis cluster': 'redis',
  upstash: 'upstash',
};

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
describe.each(storeMatrix())('health on $name', ({ name, create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
    await store.set('health:k', 'v');
  });

  it('is up with a PING time and the figures this store offers', async () => {
    const report = await health(store, { degradedMs: 10_000 });
    expect(report).toMatchObject({ ok: true, status: 'up', error: undefined });
    expect(report.pingMs).toBeGreaterThanOrEqual(0);
    expect(report.server?.kind).toBe(KIND[name]);
    expect(report.server?.keys).toBeGreaterThanOrEqual(1);
    if (report.server?.kind === 'redis') {
      expect(report.server.version).toMatch(/^\d+\.\d+/);
      expect(report.server.usedMemoryBytes).toBeGreaterThan(0);
      expect(report.server.connectedClients).toBeGreaterThan(0);
    }
  });
});

describe('health when the store fails', () => {
  it('is down with E_TIMEOUT or E_CONNECTION when nothing answers, and never throws', async () => {
    // A loopback port nothing listens on (port 1 is reserved and closed on this machine).
    const dead = ioredisAdapter({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: 0 } as never);
    try {
      const report = await health(dead, { timeoutMs: 300 });
      expect(report.ok).toBe(false);
      expect(report.status).toBe('down');
      expect(report.pingMs).toBeNull();
      expect(['E_TIMEOUT', 'E_CONNECTION']).toContain(report.error);
    } finally {
      await dead.close();
    }
  });

  it('is down while the circuit is open even though the fallback answers PING', async () => {
    const store = withFailover(memoryAdapter({ sweepIntervalMs: 0 }));
    store.failover.trip();
    const report = await health(store);
    expect(report.status).toBe('down');
    expect(report.breaker?.state).toBe('open');
    await store.close();
  });

  it('parses INFO tolerantly: unknown and missing fields, keyspace of every db', () => {
    const info = parseInfo(
      '# Server\r\nredis_version:7.0.15\r\nsomething_new:x\r\n# Stats\r\nkeyspace_hits:3\r\nkeyspace_misses:1\r\n# Keyspace\r\ndb0:keys=5,expires=2,avg_ttl=10\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n',
    );
    expect(info).toMatchObject({
      version: '7.0.15',
      keyspaceHitRate: 0.75,
      keys: 6,
      expires: 2,
      usedMemoryBytes: undefined,
    });
  });
});

describe('HTTP handlers', () => {
  const base = memoryAdapter({ sweepIntervalMs: 0 });
  const failover = withFailover(base);
  const store = withL1(failover, { channel: false });
  const metrics = createMetrics({ store });
  const handlers = createHandlers({
    store,
    metrics,
    basePath: '/internal',
    authorize: ({ headers }) => headers.get('authorization') === 'Bearer admin',
  });
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => handlers.express(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    featureEvents(store).emit('operation', {
      feature: 'cache',
      operation: 'get',
      outcome: 'hit',
      durationMs: 1,
    });
  });
  afterAll(async () => {
    metrics.close();
    await new Promise((r) => server.close(r));
    await base.close();
  });
  const admin = { headers: { authorization: 'Bearer admin' } };

  it('serves the old paths through Fetch and through a Node (Express) handler alike', async () => {
    for (const get of [
      (path: string, init?: RequestInit) => handlers.fetch(new Request(`http://app${path}`, init)),
      (path: string, init?: RequestInit) => fetch(`${origin}${path}`, init),
    ]) {
      const h = (await get('/internal/api/v1/health/redis')) as Response;
      expect(h.status).toBe(200);
      expect(await h.json()).toMatchObject({ ok: true, status: 'up' });
      const m = (await get('/internal/api/v1/admin/redis-metrics', admin)) as Response;
      expect(m.status).toBe(200);
      const body = (await m.json()) as {
        keys: number;
        snapshot: { stores: { default: { features: { cache: unknown } } } };
      };
      expect(body.keys).toBeTypeOf('number');
      expect(body.snapshot.stores.default.features.cache).toBeDefined();
      const s = (await get('/internal/api/v1/admin/redis-stats', admin)) as Response;
      expect(await s.json()).toMatchObject({
        server: { kind: 'memory' },
        breaker: { state: 'closed' },
        l1: { hits: 0 },
      });
      const p = (await get('/internal/metrics', admin)) as Response;
      expect(p.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await p.text()).toContain(
        'raptorflow_feature_operations_total{store="default",feature="cache",operation="get",outcome="hit"} 1',
      );
      expect(((await get('/internal/metrics')) as Response).status).toBe(403);
      expect(((await get('/internal/api/v1/health/redis', { method: 'POST' })) as Response).status).toBe(405);
    }
    expect(await handlers.fetch(new Request('http://app/other'))).toBeUndefined();
    expect((await fetch(`${origin}/other`)).status).toBe(404);
  });

  it('answers 503 on the health path while the circuit is open', async () => {
    failover.failover.trip();
    const h = (await handlers.fetch(new Request('http://app/internal/api/v1/health/redis'))) as Response;
    expect(h.status).toBe(503);
    expect(await h.json()).toMatchObject({ ok: false, status: 'down', breaker: { state: 'open' } });
  });

  it('refuses bad options with E_INVALID_OPTIONS naming the field', () => {
    expect(() => createHandlers({ store, basePath: 'internal/' })).toThrowError(
      expect.objectContaining({
        code: 'E_INVALID_OPTIONS',
        message: expect.stringContaining('createHandlers: basePath'),
      }),
    );
    expect(() => createHandlers({ store: {} as never })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    );
  });
});
