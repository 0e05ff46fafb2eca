import type { BenchRedis } from './types.js';

/** What the harness asks one child process to run. */
export interface RunSpec {
  readonly scenario: string;
  readonly adapter: string;
  /** Operations in flight. */
  readonly concurrency: number;
  /** Warm-up bounds: time in ms and operations. */
  readonly warmupMs: number;
  readonly warmupOps: number;
  /** Measured-period bounds: time in ms and operations. */
  readonly durationMs: number;
  readonly maxOps: number;
  /** Sequential operations run under MONITOR after the measured period; 0 turns it off. */
  readonly monitorOps: number;
  /** Present for adapters that use Redis. */
  readonly redis: BenchRedis | undefined;
  /** Key prefix unique to this process. */
  readonly prefix: string;
}

/** Calls of one command name. */
export interface CommandCount {
  readonly calls: number;
  readonly perOp: number;
}

/** Redis commands per operation over the measured period, from INFO commandstats deltas. */
export interface CommandStats {
  /** Every call Redis counted, `redis.call`s inside scripts included. */
  readonly calls: number;
  readonly perOp: number;
  /** Per command name (lower case). */
  readonly byName: Record<string, CommandCount>;
}

/** Commands per operation seen through MONITOR over a short sequential sample. */
export interface MonitorStats {
  /** Operations in the sample. */
  readonly ops: number;
  /** Commands the client sent per operation (scripts count once, as EVALSHA or EVAL). */
  readonly clientPerOp: number;
  /** `redis.call`s inside scripts per operation. */
  readonly scriptPerOp: number;
  readonly client: Record<string, CommandCount>;
  readonly script: Record<string, CommandCount>;
}

/** One scenario × adapter × concurrency measurement. */
export interface BenchRow {
  readonly scenario: string;
  readonly adapter: string;
  readonly concurrency: number;
  /** Operations completed in the measured period. */
  readonly ops: number;
  /** Length of the measured period, ms. */
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Latency of one operation, µs (log histogram, ~1 % resolution). */
  readonly latencyUs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Client process CPU (user + system) per operation, µs. */
  readonly clientCpuUsPerOp: number;
  /** GC pause per second of measured period, ms/s. */
  readonly gcMsPerSec: number;
  readonly gcCount: number;
  /** Redis CPU per operation, µs; null without Redis. */
  readonly redisCpuUsPerOp: number | null;
  /** Null without Redis, or when INFO was not allowed. */
  readonly commands: CommandStats | null;
  /** Null without Redis, when MONITOR is off or not allowed. */
  readonly monitor: MonitorStats | null;
  /**
   * With `--runs` > 1: the row is the run with the median ops/s, and this lists every run's
   * ops/s in run order. Null for a single run.
   */
  readonly runs: { readonly count: number; readonly opsPerSec: readonly number[] } | null;
  /** This row's ops/s divided by its baseline scenario's on the same adapter and concurrency. */
  readonly baseline: { readonly scenario: string; readonly ratio: number } | null;
  /** Measurement problems that did not stop the run (e.g. MONITOR refused). */
  readonly notes: readonly string[];
}

/** Prefix of the one stdout line that carries a child's result. */
export const RESULT_MARKER = '@@raptorflow-bench-result ';
