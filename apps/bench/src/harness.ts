import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ADAPTERS } from './adapters.js';
import { type BenchRow, RESULT_MARKER, type RunSpec } from './protocol.js';
import { loadScenario, SCENARIOS } from './scenarios/index.js';
import type { BenchRedis } from './types.js';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Run scenarios whose name contains any of these strings. @default all */
  filter?: readonly string[] | undefined;
  /**
   * Run exactly these scenarios, in this order, each on these adapters only (still intersected
   * with `adapters`): the default run's list (scoreboard.ts). `filter` applies on top. @default all
   */
  select?: ReadonlyArray<{ readonly scenario: string; readonly adapters?: readonly string[] }> | undefined;
  /** Adapters to run on; the ones that need Redis are skipped when `redis` is absent. @default all */
  adapters?: readonly string[] | undefined;
  /** Operations in flight, one run each. @default [1, 64] */
  concurrency?: readonly number[] | undefined;
  /** Warm-up per run, ms. @default 1000 */
  warmupMs?: number | undefined;
  /** Warm-up bound in operations. @default 1_000_000 */
  warmupOps?: number | undefined;
  /** Measured period per run, ms. @default 3000 */
  durationMs?: number | undefined;
  /** Measured-period bound in operations. @default 50_000_000 */
  maxOps?: number | undefined;
  /**
   * Repetitions of every run, interleaved (run 1 of every row, then run 2, …) so that a slow
   * moment of the shared machine does not hit one row only. Each row reports the median run. @default 1
   */
  runs?: number | undefined;
  /** Sequential operations sampled under MONITOR after each Redis run; 0 turns it off. @default 200 */
  monitorOps?: number | undefined;
  /** The Redis server for Redis-backed adapters. */
  redis?: BenchRedis | undefined;
  /** Kill a child that has not reported after its measured time plus this, ms. @default 60000 */
  childTimeoutMs?: number | undefined;
  /** Stops the run: the running child is killed by PID. */
  signal?: AbortSignal | undefined;
  /** Called after each row, e.g. to print progress. */
  onRow?: ((row: BenchRow) => void) | undefined;
}

/** Harness bounds of a mode: time and operation counts of each phase. */
export interface BenchSettings {
  readonly warmupMs: number;
  readonly warmupOps: number;
  readonly durationMs: number;
  readonly maxOps: number;
  readonly monitorOps: number;
}

/**
 * The default run (`pnpm bench`): the scoreboard's scenarios only, about 3.5 s per row, child
 * start-up included; a few minutes in all.
 */
export const DEFAULT_SETTINGS: BenchSettings = {
  warmupMs: 500,
  warmupOps: 500_000,
  durationMs: 2000,
  maxOps: 50_000_000,
  monitorOps: 100,
};

/** A full run (`--full`): about 5 s per scenario × adapter × concurrency, child start-up included. */
export const FULL_SETTINGS: BenchSettings = {
  warmupMs: 1000,
  warmupOps: 1_000_000,
  durationMs: 3000,
  maxOps: 50_000_000,
  monitorOps: 200,
};

/** `--quick`: a smoke run that checks that everything works; its numbers mean little. */
export const QUICK_SETTINGS: BenchSettings = {
  warmupMs: 200,
  warmupOps: 5_000,
  durationMs: 500,
  maxOps: 50_000,
  monitorOps: 20,
};

/** The planned runs, without running them: what `--list` prints. */
export interface PlannedRun {
  readonly scenario: string;
  readonly adapter: string;
  readonly concurrency: number;
  /** The scenario's own `setupTimeoutMs`, when it declares one. */
  readonly setupTimeoutMs?: number | undefined;
}

/**
 * How to start a child: from the built `dist` when this file is built (what users run), or
 * from sources through tsx and the `@raptorflow/source` condition when it runs as TypeScript
 * (tests, `--source`).
 */
function workerCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));
    return ['--conditions=@raptorflow/source', '--import', tsx, worker];
  }
  return [fileURLToPath(new URL('./worker.js', import.meta.url))];
}

/**
 * What a child costs beyond its warm-up and measured period (start-up, setup, the MONITOR
 * sample, teardown), ms: measured on the shared 2-vCPU machines, used for the first estimate
 * only; progress then uses the real average.
 */
export const CHILD_OVERHEAD_MS = 1500;
/** The same from sources (`--source`, tests): tsx compiles every module a child loads. */
export const CHILD_OVERHEAD_SOURCE_MS = 3500;

/** Estimated wall time of `runs` rows, ms. */
export function estimateMs(
  runs: number,
  settings: { readonly warmupMs: number; readonly durationMs: number },
  overheadMs: number = fileURLToPath(import.meta.url).endsWith('.ts')
    ? CHILD_OVERHEAD_SOURCE_MS
    : CHILD_OVERHEAD_MS,
): number {
  return runs * (settings.warmupMs + settings.durationMs + overheadMs);
}

/** Scenario × adapter × concurrency combinations the options select, in run order. */
export async function planRuns(options: BenchOptions): Promise<PlannedRun[]> {
  const filters = options.filter?.length ? options.filter : undefined;
  const wanted = options.adapters ?? Object.keys(ADAPTERS);
  for (const a of wanted) if (!ADAPTERS[a]) throw new Error(`unknown adapter ${a}`);
  const selected = options.select
    ? new Map(options.select.filter((s) => SCENARIOS[s.scenario]).map((s) => [s.scenario, s.adapters]))
    : undefined;
  const runs: PlannedRun[] = [];
  for (const name of selected ? [...selected.keys()] : Object.keys(SCENARIOS)) {
    if (filters && !filters.some((f) => name.includes(f))) continue;
    const scenario = await loadScenario(name);
    const only = selected?.get(name);
    for (const adapter of scenario.adapters) {
      if (!wanted.includes(adapter)) continue;
      if (only && !only.includes(adapter)) continue;
      if (ADAPTERS[adapter]?.redis && !options.redis) continue;
      for (const concurrency of options.concurrency ?? [1, 64])
        runs.push({
          scenario: name,
          adapter,
          concurrency,
          ...(scenario.setupTimeoutMs === undefined ? {} : { setupTimeoutMs: scenario.setupTimeoutMs }),
        });
    }
  }
  return runs;
}

function runChild(spec: RunSpec, timeoutMs: number, signal: AbortSignal | undefined): Promise<BenchRow> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('bench aborted'));
      return;
    }
    const child = spawn(process.execPath, [...workerCommand(), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line) {
        resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as BenchRow);
        return;
      }
      const why = sig ? `killed by ${sig}` : `exited with ${code}`;
      reject(
        new Error(`${spec.scenario} on ${spec.adapter} (c=${spec.concurrency}) ${why}\n${stderr.trim()}`),
      );
    });
  });
}

/** Fill in each row's ratio to its scenario's baseline on the same adapter and concurrency. */
async function withBaselines(rows: BenchRow[]): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const row of rows) {
    const baseline = (await loadScenario(row.scenario)).baseline;
    const base = typeof baseline === 'string' ? baseline : baseline?.[row.adapter];
    const ref = base
      ? rows.find(
          (r) => r.scenario === base && r.adapter === row.adapter && r.concurrency === row.concurrency,
        )
      : undefined;
    out.push(
      ref && base ? { ...row, baseline: { scenario: base, ratio: row.opsPerSec / ref.opsPerSec } } : row,
    );
  }
  return out;
}

function median(rows: readonly BenchRow[]): BenchRow {
  const sorted = [...rows].sort((a, b) => a.opsPerSec - b.opsPerSec);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] as BenchRow;
  return rows.length > 1
    ? { ...mid, runs: { count: rows.length, opsPerSec: rows.map((r) => r.opsPerSec) } }
    : mid;
}

/** Run every selected scenario × adapter × concurrency, each in a fresh Node process, one at a time. */
export async function runBench(options: BenchOptions = {}): Promise<BenchRow[]> {
  const planned = await planRuns(options);
  const repeat = options.runs ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('runs must be a whole number >= 1');
  const durationMs = options.durationMs ?? FULL_SETTINGS.durationMs;
  const warmupMs = options.warmupMs ?? FULL_SETTINGS.warmupMs;
  const results: BenchRow[][] = planned.map(() => []);
  let seq = 0;
  for (let r = 0; r < repeat; r++) {
    for (const [k, run] of planned.entries()) {
      const adapter = ADAPTERS[run.adapter];
      const spec: RunSpec = {
        ...run,
        warmupMs,
        warmupOps: options.warmupOps ?? FULL_SETTINGS.warmupOps,
        durationMs,
        maxOps: options.maxOps ?? FULL_SETTINGS.maxOps,
        monitorOps: options.monitorOps ?? FULL_SETTINGS.monitorOps,
        redis: adapter?.redis ? options.redis : undefined,
        prefix: `rfbench:${process.pid}:${seq++}:`,
      };
      const timeout =
        warmupMs + durationMs + Math.max(options.childTimeoutMs ?? 60_000, run.setupTimeoutMs ?? 0);
      const row = await runChild(spec, timeout, options.signal);
      results[k]?.push(row);
      options.onRow?.(row);
    }
  }
  return withBaselines(results.map(median));
}
