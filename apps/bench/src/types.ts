import type { KvStore } from '@raptorflow/core';

/** Where a Redis-backed adapter connects; absent for adapters that need no server. */
export interface BenchRedis {
  /** `redis://host:port`, possibly with credentials when the user set `REDIS_URL`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

/** Inputs shared by the scenarios, built once before any timed code runs. */
export interface BenchFixtures {
  /** Distinct keys, all under {@link BenchFixtures.prefix}. @default 10000 keys */
  readonly keys: readonly string[];
  /** One value per key, each {@link BenchFixtures.valueBytes} bytes of ASCII. */
  readonly values: readonly string[];
  /** Bytes per value. @default 100 */
  readonly valueBytes: number;
  /** Prefix unique to this run, so a user's Redis keeps its own keys untouched. */
  readonly prefix: string;
}

/** What a scenario's `setup` receives in its child process. */
export interface ScenarioContext {
  /** Adapter name from the registry (`memory`, `ioredis`, …). */
  readonly adapter: string;
  /** The Redis server of Redis-backed adapters; peers that bring their own client connect here. */
  readonly redis: BenchRedis | undefined;
  readonly fixtures: BenchFixtures;
  /**
   * Build the adapter's store (memoised). Scenarios that bring their own client never call it,
   * so the adapter's code is never imported in their process.
   */
  store(): Promise<KvStore>;
}

/** A scenario ready to run: the timed operation and its cleanup. */
export interface ScenarioInstance {
  /**
   * One operation. `i` counts operations from 0 in the process (warm-up included); use it to
   * pick a precomputed input, never to build one.
   */
  op(i: number): Promise<unknown>;
  /** Remove what setup wrote and close the clients it opened. */
  teardown(): Promise<void>;
  /** Facts the timed columns do not show (work per operation, memory per entry), added to the row's notes. */
  notes?(): readonly string[];
}

/** One benchmark scenario: one file in `src/scenarios/`. */
export interface Scenario {
  /** Kebab-case name, same as the file name. */
  readonly name: string;
  /** One line for the README and `--list`. */
  readonly description: string;
  /** Registry adapters this scenario runs on. */
  readonly adapters: readonly string[];
  /**
   * Scenario whose ops/s, on the same adapter and concurrency, is the denominator of the
   * table's `vs` column (e.g. the raw client doing the same command); by adapter name when each
   * adapter has its own (`{ ioredis: 'raw-ioredis-get', 'node-redis': 'raw-node-redis-get' }`).
   */
  readonly baseline?: string | Readonly<Record<string, string>> | undefined;
  /**
   * How long the child may run beyond its warm-up and measured period, ms, when its setup needs
   * more than the harness's default (a 100k-entry fill). @default the harness's `childTimeoutMs`
   */
  readonly setupTimeoutMs?: number | undefined;
  /** Prepare inputs and clients (untimed) and return the timed operation. */
  setup(ctx: ScenarioContext): Promise<ScenarioInstance>;
}

/** Identity helper that types a scenario definition. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
