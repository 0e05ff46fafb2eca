import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCache } from '@raptorflow/cache';
import { instrument, type KvStore, withFailover, withL1 } from '@raptorflow/core';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { createLocks } from '@raptorflow/locks';
import { createRateLimiter } from '@raptorflow/ratelimit';
import { runTsChild, stopTsChildren } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePromtool, PROMTOOL_HINT } from '../../../scripts/promtool.mjs';
import { createMetrics, type Metrics, toPrometheusText } from '../src/index.js';
import { testServers } from './servers.js';

/** `promtool check metrics` on `text`: its exit status and what it printed. */
function promtool(bin: string, text: string): { status: number | null; output: string } {
  const r = spawnSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const CHILD = fileURLToPath(new URL('./fixtures/exporters-child.ts', import.meta.url));
const servers = testServers();
afterAll(stopTsChildren);

interface ChildReport {
  scrape: string;
  afterOff: string;
  otel: Array<{
    name: string;
    unit: string;
    points: Array<{ attributes: Record<string, unknown>; value: number }>;
  }>;
}

describe.each(storeMatrix({ only: ['ioredis'] }))(
  'exporters on $name, with cache, ratelimit and locks',
  ({ create }) => {
    let bin: string;
    let store: KvStore;
    let metrics: Metrics;
    beforeAll(async () => {
      // Extracted from Debian's prometheus package when missing (scripts/promtool.mjs); never skipped.
      const found = ensurePromtool({ log: () => undefined });
      if (!found)
        throw new Error(`promtool is required and could not be found or extracted.\nRun: ${PROMTOOL_HINT}`);
      bin = found;
      const root = await create();
      const prefix = randomPrefix();
      const failover = withFailover(root);
      store = instrument(withL1(failover, { channel: false })).namespace(prefix);
      metrics = createMetrics({ store });
      const cache = createCache({ store });
      const ns = cache.workspace('ws-1').namespace<string>('profiles');
      await ns.set('a', 'A');
      await ns.get('a');
      await ns.get('missing');
      await ns.getOrSet('b', async () => 'B');
      const limiter = createRateLimiter({ store, name: 'login', limit: 2, window: '1m' });
      for (let i = 0; i < 3; i++) await limiter.limit('user-1');
      // Locks refuse a `fallback` failover: their view of the same adapter is fail-closed. One
      // adapter, one feature-event hub: metrics on `store` hears them too.
      const locks = createLocks({
        store: failover.failover.withPolicy('fail-closed').namespace(prefix),
        ttl: '10s',
        wait: 0,
      });
      const lock = await locks.acquire('job');
      await lock.release();
      locks.close();
      await cache.close();
    });
    afterAll(() => metrics.close());

    it('writes exposition text that promtool accepts, lint included', () => {
      const text = metrics.prometheus();
      for (const name of [
        'raptorflow_feature_operations_total',
        'raptorflow_feature_operation_duration_seconds_bucket',
        'raptorflow_kv_command_duration_seconds_bucket',
        'raptorflow_cache_requests_total',
        'raptorflow_ratelimit_requests_total',
        'raptorflow_locks_acquire_total',
        'raptorflow_l1_requests_total',
        'raptorflow_breaker_state',
        'raptorflow_failover_calls_total',
      ]) {
        expect(text).toContain(`\n${name}{`);
      }
      expect(text).toContain(
        'raptorflow_ratelimit_requests_total{store="default",result="allowed",reason="allowed",limiter="login"} 2',
      );
      expect(text).toContain(
        'raptorflow_ratelimit_requests_total{store="default",result="denied",reason="limited",limiter="login"} 1',
      );
      const r = promtool(bin, text);
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    });

    it('promtool rejects broken text: the check can fail', () => {
      const broken = promtool(bin, 'raptorflow_x{a="unterminated} 1\n');
      expect(broken.status).not.toBe(0);
      // A counter without _total and a family without HELP are lint findings.
      const lint = promtool(bin, '# TYPE raptorflow_calls counter\nraptorflow_calls 1\n');
      expect(lint.status).not.toBe(0);
    });

    it('escapes label values and spells special values as the format wants', () => {
      const text = toPrometheusText([
        {
          name: 'raptorflow_escape_total',
          help: 'Back\\slash and\nnewline in help.',
          type: 'counter',
          samples: [{ labels: { v: 'a"b\\c\nd' }, value: 3 }],
        },
        {
          name: 'raptorflow_inf',
          help: 'Special values.',
          type: 'gauge',
          samples: [{ labels: {}, value: Number.POSITIVE_INFINITY }],
        },
      ]);
      expect(text).toContain('raptorflow_escape_total{v="a\\"b\\\\c\\nd"} 3');
      expect(text).toContain('# HELP raptorflow_escape_total Back\\\\slash and\\nnewline in help.');
      expect(text).toContain('raptorflow_inf +Inf');
      expect(promtool(bin, text).status).toBe(0);
    });

    it('registers into prom-client and reports through OpenTelemetry (a plain Node child process)', async () => {
      const report = await runTsChild<ChildReport>(
        CHILD,
        { host: servers.redis.host, port: servers.redis.port, prefix: randomPrefix() },
        { timeoutMs: 25_000 },
      );
      // prom-client: a scrape of the user's registry holds our families, and promtool accepts it.
      expect(report.scrape).toContain(
        'raptorflow_ratelimit_requests_total{store="default",result="denied",reason="limited",limiter="gcra"} 1',
      );
      expect(report.scrape).toMatch(
        /raptorflow_kv_command_duration_seconds_count\{[^}]*command="SET"[^}]*\} 1/,
      );
      expect(promtool(bin, report.scrape).status).toBe(0);
      expect(report.afterOff).not.toContain('raptorflow_');
      // OpenTelemetry: the stable DB histogram for commands, our names elsewhere.
      const byName = new Map(report.otel.map((m) => [m.name, m]));
      const db = byName.get('db.client.operation.duration');
      expect(db?.unit).toBe('s');
      const get = db?.points.find((p) => p.attributes['db.operation.name'] === 'GET');
      expect(get).toMatchObject({ attributes: { 'db.system.name': 'redis' }, value: 1 });
      const script = db?.points.find((p) => p.attributes['db.operation.name'] === 'EVALSHA');
      expect(script?.attributes['raptorflow.script.name']).toMatch(/^ratelimit/);
      const ops = byName.get('raptorflow.feature.operation.duration');
      expect(ops?.points.some((p) => p.attributes['raptorflow.feature'] === 'ratelimit')).toBe(true);
      const rl = byName.get('raptorflow.ratelimit.requests');
      expect(rl?.points.find((p) => p.attributes.result === 'denied')?.value).toBe(1);
      expect(rl?.points.find((p) => p.attributes.result === 'allowed')?.value).toBe(3);
      // Longer than the child's own 25 s limit: a tsx start-up on a busy machine is slow.
    }, 40_000);
  },
);
