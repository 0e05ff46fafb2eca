import { findLayer, isKvError, type KvStore } from '@raptorflow/core';
import { type FailoverStats, type L1Stats, rootDriver } from '@raptorflow/core/driver';
import { parseOptions } from '@raptorflow/core/kit';
import { z } from 'zod';
import { type ServerFigures, serverFigures } from './server-info.js';

/** Options of {@link health}. */
export interface HealthOptions {
  /** Longest wait for PING (and for the server figures), ms. @default 1000 */
  timeoutMs?: number | undefined;
  /** A PING slower than this is `degraded`, ms. @default 100 */
  degradedMs?: number | undefined;
  /** Ask the server for its figures (INFO on Redis, DBSIZE on Upstash). @default true */
  server?: boolean | undefined;
}

/** What {@link health} returns. */
export interface HealthReport {
  /** `status` is not `down`. The `/health` handler answers 200 when true, else 503. */
  readonly ok: boolean;
  /** `up`; `degraded` (slow PING, circuit half-open, or server figures failed); `down` (PING failed or circuit open). */
  readonly status: 'up' | 'degraded' | 'down';
  /** The store's name with its layers, e.g. `l1(ioredis)`. */
  readonly adapter: string;
  /** PING round trip, ms; `null` when it failed. */
  readonly pingMs: number | null;
  /** The error code when PING (or the server figures) failed. */
  readonly error?: string | undefined;
  readonly breaker?:
    | { readonly state: string; readonly policy: string; readonly stats: FailoverStats }
    | undefined;
  readonly l1?: L1Stats | undefined;
  readonly server?: ServerFigures | undefined;
  /** When it was checked (ISO 8601). */
  readonly checkedAt: string;
}

const SCHEMA = z.strictObject({
  timeoutMs: z.number().int().min(1).max(60_000).default(1000),
  degradedMs: z.number().min(0).default(100),
  server: z.boolean().default(true),
});

class HealthTimeout extends Error {
  readonly code = 'E_TIMEOUT';
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthTimeout(`no answer within ${ms} ms`)), ms);
  });
  // The store's promise may still reject after the timeout won: observe it so that rejection
  // is not reported as unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const codeOf = (error: unknown): string =>
  isKvError(error) ? error.code : error instanceof HealthTimeout ? 'E_TIMEOUT' : 'E_UNKNOWN';

/**
 * Check a store: PING latency (with a timeout), the circuit breaker's state, the L1 tier's
 * counters, and the server's own figures where the store offers them (INFO on Redis, DBSIZE on
 * Upstash, the key count of the memory store). Never throws: a failure is `down` with its code.
 */
export async function health(store: KvStore, options?: HealthOptions): Promise<HealthReport> {
  const o = parseOptions('health', SCHEMA, options);
  const failover = findLayer(store, 'failover');
  const l1 = findLayer(store, 'l1');
  let pingMs: number | null = null;
  let error: string | undefined;
  const t0 = performance.now();
  try {
    await within(store.ping(), o.timeoutMs);
    pingMs = performance.now() - t0;
  } catch (e) {
    error = codeOf(e);
  }
  let server: ServerFigures | undefined;
  let serverFailed = false;
  if (o.server && pingMs !== null && failover?.state !== 'open') {
    try {
      server = await within(serverFigures(rootDriver(store)), o.timeoutMs);
    } catch (e) {
      serverFailed = true;
      error = codeOf(e);
    }
  }
  const state = failover?.state;
  const status: HealthReport['status'] =
    pingMs === null || state === 'open'
      ? 'down'
      : pingMs > o.degradedMs || state === 'half-open' || serverFailed
        ? 'degraded'
        : 'up';
  return {
    ok: status !== 'down',
    status,
    adapter: store.name,
    pingMs,
    error,
    breaker: failover ? { state: failover.state, policy: failover.policy, stats: failover.stats } : undefined,
    l1: l1?.stats,
    server,
    checkedAt: new Date().toISOString(),
  };
}
